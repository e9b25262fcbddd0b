package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/monthend/monthend/ledger"
)

// listing describes a "… list [--json]" command: how to read the records
// from the book and how to print them as a table.
type listing[T any] struct {
	use, short, example string
	empty               string // said when there is nothing to list
	read                func(*ledger.Book) ([]T, error)
	header              string         // tab-separated column titles
	row                 func(T) string // tab-separated cells
}

// listCommand builds a read-only list command: a table, or JSON (always an
// array, [] when empty) with --json.
func listCommand[T any](a *app, l listing[T]) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     l.use,
		Short:   l.short,
		Example: l.example,
		Args:    exactArgs(0, "list takes no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			book, err := a.openBook(false)
			if err != nil {
				return err
			}
			defer book.Close()
			items, err := l.read(book)
			if err != nil {
				return err
			}
			if asJSON {
				if items == nil {
					items = []T{}
				}
				return writeJSON(a.stdout, items)
			}
			if len(items) == 0 && l.empty != "" {
				fmt.Fprintln(a.stdout, l.empty)
				return nil
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, l.header)
			for _, it := range items {
				fmt.Fprintln(tw, l.row(it))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
