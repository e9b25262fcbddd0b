package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/monthend/monthend/ledger"
)

func (a *app) aliasesCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "aliases",
		Short: "Map the identifiers on usage events to customers",
		Long: `aliases maps the identifiers customers' systems put on usage events to
customers. Each alias belongs to one customer; a customer has many. Usage
under an alias nobody owns is kept as unattributed (monthend usage
unattributed) until the alias is mapped.`,
	}
	cmd.AddCommand(a.aliasesMapCommand(), a.aliasesListCommand())
	return cmd
}

func (a *app) aliasesMapCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "map ALIAS CUSTOMER",
		Short: "Map an alias to a customer, attributing its waiting usage",
		Long: `map makes ALIAS belong to CUSTOMER. Usage already received under ALIAS is
attributed to the customer in the same transaction and shows in its totals.`,
		Example: `  monthend aliases map acme-prod-eu acme
  monthend usage unattributed    # find aliases waiting for a customer`,
		Args: exactArgs(2, "aliases map takes ALIAS and CUSTOMER"),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := a.openBook(true)
			if err != nil {
				return err
			}
			defer b.Close()
			n, err := b.MapAlias(args[0], args[1])
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "alias %s → customer %s (%d waiting events attributed)\n", args[0], args[1], n)
			return nil
		},
	}
}

func (a *app) aliasesListCommand() *cobra.Command {
	var (
		customer string
		asJSON   bool
	)
	cmd := &cobra.Command{
		Use:     "list [--customer ID] [--json]",
		Short:   "List aliases and the customers they map to",
		Example: "  monthend aliases list\n  monthend aliases list --customer acme --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := a.openBook(false)
			if err != nil {
				return err
			}
			defer b.Close()
			as, err := b.Aliases(customer)
			if err != nil {
				return err
			}
			if asJSON {
				if as == nil {
					as = []ledger.Alias{}
				}
				return writeJSON(a.stdout, as)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ALIAS\tCUSTOMER")
			for _, al := range as {
				fmt.Fprintf(tw, "%s\t%s\n", al.Alias, al.Customer)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&customer, "customer", "", "only this customer's aliases")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
