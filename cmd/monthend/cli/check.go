package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/monthend/monthend/ledger"
)

func (a *app) checkCommand() *cobra.Command {
	var tmp string
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Verify the book's invariants",
		Long: `check verifies the book: bbolt's page consistency; valid customers, metrics
and aliases; every event attributed to its alias's customer on the right day
and indexed; daily rollups equal to a recount of the raw events; every
invoice's totals equal to the sums of its lines; invoice and credit-note
numbers without gaps; each credit note negating its invoice exactly, and
every void invoice credited by exactly one credit note. It
prints every breach and exits 1 if there is any. It reads only, so it runs
beside a running writer.

The recount of the raw events goes through temporary files: about 15 bytes
per stored event (some 300 MB for 20 million events), in a monthend-check-*
folder made in --tmp DIR, or in the system's temporary folder ($TMPDIR, else
/tmp on Unix) without it. Where that folder is a tmpfs, the files take
memory. The folder is removed when check ends; on Unix each file is deleted
as soon as it is created, so a check that is killed leaves at most the empty
folder behind. If the folder is missing, unwritable or runs out of space,
check stops and says how much it needs.`,
		Example: `  monthend check
  monthend check --tmp /var/tmp`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := a.openBook(false)
			if err != nil {
				return err
			}
			defer b.Close()
			prog := newProgress(a.stderr)
			breaches, err := b.CheckWith(context.Background(), ledger.CheckOptions{TempDir: tmp}, func(n int) {
				if n >= 100000 {
					prog.print(false, "checked %d events", n)
				}
			})
			prog.clear()
			if err != nil {
				return err
			}
			for _, br := range breaches {
				fmt.Fprintln(a.stdout, br)
			}
			if len(breaches) > 0 {
				return fmt.Errorf("book %s breaks %d invariants (listed above); restore a backup or report it", b.Path(), len(breaches))
			}
			fmt.Fprintf(a.stdout, "book %s is sound\n", b.Path())
			return nil
		},
	}
	cmd.Flags().StringVar(&tmp, "tmp", "", "make the temporary files (about 15 bytes per event) in `DIR` (default: the system's temporary folder)")
	return cmd
}
