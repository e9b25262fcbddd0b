package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func (a *app) backupCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "backup PATH",
		Short: "Write a consistent copy of the book while it is in use",
		Long: `backup copies the book to PATH inside one read transaction, so the copy is
consistent even while monthend serve or an import writes to the book. PATH
is replaced atomically and created mode 0600.`,
		Example: "  monthend backup ~/backups/book-$(date +%F).db",
		Args:    exactArgs(1, "backup takes one PATH to write the copy to"),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := a.openBook(false)
			if err != nil {
				return err
			}
			defer b.Close()
			n, err := b.Backup(args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "backed up %s to %s (%d bytes)\n", b.Path(), args[0], n)
			return nil
		},
	}
}
