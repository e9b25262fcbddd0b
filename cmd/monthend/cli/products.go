package cli

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/monthend/monthend/ledger"
)

func (a *app) productsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "products",
		Short: "The product catalog quotes are written from",
		Long: `Products are what quotes offer: a platform fee, usage-based and seat-based
modules, services. Each has default prices per currency, written as price
lines of the schedule format, so a product's price drops into a quote's phase
unchanged and a quote line may override any field of it. The file format is
in docs/quotes.md.`,
		Example: `  monthend products import catalog.yaml
  monthend products list
  monthend products export > catalog.json`,
	}
	cmd.AddCommand(a.productsImportCommand(), a.productsListCommand(), a.productsExportCommand())
	return cmd
}

func (a *app) productsImportCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "import FILE",
		Short: "Add or replace products from a catalog file (YAML or JSON)",
		Long: `import reads a catalog file ({products: [...]}, docs/quotes.md), checks every
product and stores them all in one transaction: new ids are added, known ids
replaced. Nothing is stored if any product is wrong; every problem is listed
with its place. FILE "-" reads standard input.`,
		Example: `  monthend products import catalog.yaml
  monthend products export | monthend products import -`,
		Args: exactArgs(1, "import takes one catalog FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := readInput(args[0], a.stdin)
			if err != nil {
				return err
			}
			products, err := ledger.ParseCatalog(args[0], data)
			if err != nil {
				return err
			}
			return a.withBook(true, func(book *ledger.Book) error {
				r, err := book.ImportProducts(products)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "products: %d added, %d updated, %d unchanged\n", r.Added, r.Updated, r.Unchanged)
				return nil
			})
		},
	}
}

func (a *app) productsListCommand() *cobra.Command {
	return listCommand(a, listing[ledger.Product]{
		use: "list [--json]", short: "List the catalog",
		example: "  monthend products list\n  monthend products list --json",
		empty:   "no products yet: monthend products import --help",
		read:    (*ledger.Book).Products,
		header:  "ID\tNAME\tKIND\tMODEL\tCURRENCIES",
		row: func(p ledger.Product) string {
			curs := slices.Sorted(maps.Keys(p.Prices))
			var models []string
			for _, c := range curs {
				if m := string(p.Prices[c].Model); !slices.Contains(models, m) {
					models = append(models, m)
				}
			}
			return fmt.Sprintf("%s\t%s\t%s\t%s\t%s", p.ID, p.Name, p.Kind, strings.Join(models, ","), strings.Join(curs, " "))
		},
	})
}

func (a *app) productsExportCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "export",
		Short: "Print the catalog in the import format (JSON)",
		Long: `export prints every product as a catalog file ({products: [...]}), in the
format import reads, so the catalog can be edited and imported again.`,
		Example: "  monthend products export > catalog.json\n  monthend products import catalog.json",
		Args:    exactArgs(0, "export takes no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withBook(false, func(book *ledger.Book) error {
				products, err := book.Products()
				if err != nil {
					return err
				}
				if products == nil {
					products = []ledger.Product{}
				}
				return writeJSON(a.stdout, ledger.Catalog{Products: products})
			})
		},
	}
}
