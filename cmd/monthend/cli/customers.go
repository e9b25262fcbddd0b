package cli

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"github.com/monthend/monthend/ledger"
	"github.com/monthend/monthend/pricing"
)

func (a *app) customersCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "customers",
		Short: "Add, list and show the customers in the book",
		Long: `customers manages who is billed. A customer has a short id used everywhere in
the book ("acme"), a currency, a time zone (usage is rolled up by day in it)
and billing details. Adding a customer also maps its id as a usage alias.`,
	}
	cmd.AddCommand(a.customersAddCommand(), a.customersListCommand(), a.customersShowCommand())
	return cmd
}

func (a *app) customersAddCommand() *cobra.Command {
	var (
		c        ledger.Customer
		currency string
		taxRate  string
		extIDs   []string
	)
	cmd := &cobra.Command{
		Use:   "add ID --name NAME --currency CODE --time-zone ZONE [flags]",
		Short: "Add a customer",
		Long: `add stores a new customer. ID is the short key used on the command line and
is mapped as the customer's first usage alias (any usage already received
under it is attributed at once). The time zone decides which day an event
falls on and cannot change later.`,
		Example: `  monthend customers add acme --name "Acme Logistics" --currency EUR --time-zone Europe/Berlin
  monthend customers add globex --name Globex --legal-name "Globex Corp." --currency USD \
      --time-zone America/New_York --payment-terms 30 --tax-rate 0 \
      --email ap@globex.example --external-id accounting=C-1042`,
		Args: exactArgs(1, "customers add takes one customer ID; see monthend customers add --help"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c.ID = args[0]
			if c.Name == "" || currency == "" || c.TimeZone == "" {
				return usagef("customers add needs --name, --currency and --time-zone")
			}
			cur, err := pricing.ParseCurrency(currency)
			if err != nil {
				return usagef("--currency: %v", err)
			}
			c.Currency = cur
			if c.TaxRate, err = decimal.NewFromString(taxRate); err != nil {
				return usagef("--tax-rate %q is not a number (percent, e.g. 19)", taxRate)
			}
			for _, kv := range extIDs {
				k, v, ok := strings.Cut(kv, "=")
				if !ok || k == "" || v == "" {
					return usagef("--external-id %q: want SYSTEM=ID, e.g. accounting=C-1042", kv)
				}
				if c.ExternalIDs == nil {
					c.ExternalIDs = map[string]string{}
				}
				c.ExternalIDs[k] = v
			}
			b, err := a.openBook(true)
			if err != nil {
				return err
			}
			defer b.Close()
			if err := b.AddCustomer(c); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "added customer %s (%s)\n", c.ID, c.Name)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&c.Name, "name", "", "display name")
	f.StringVar(&c.LegalName, "legal-name", "", "legal name for invoices (default: the name)")
	f.StringArrayVar(&c.Emails, "email", nil, "billing email address; repeat for several")
	f.StringVar(&c.Address, "address", "", "postal address (use \\n between lines)")
	f.StringVar(&currency, "currency", "", "ISO 4217 currency code, e.g. EUR")
	f.StringVar(&c.TimeZone, "time-zone", "", "IANA time zone, e.g. Europe/Berlin")
	f.IntVar(&c.PaymentTermsDays, "payment-terms", 30, "payment terms in days")
	f.StringVar(&taxRate, "tax-rate", "0", "tax rate in percent, e.g. 19")
	f.StringArrayVar(&extIDs, "external-id", nil, "id in another system, SYSTEM=ID (e.g. accounting=C-1042); repeatable")
	return cmd
}

func (a *app) customersListCommand() *cobra.Command {
	return listCommand(a, listing[ledger.Customer]{
		use: "list [--json]", short: "List the customers",
		example: "  monthend customers list\n  monthend customers list --json | jq '.[].id'",
		read:    (*ledger.Book).Customers,
		header:  "ID\tNAME\tCURRENCY\tTIME ZONE\tTERMS",
		row: func(c ledger.Customer) string {
			return fmt.Sprintf("%s\t%s\t%s\t%s\t%d days", c.ID, c.Name, c.Currency.Code(), c.TimeZone, c.PaymentTermsDays)
		},
	})
}

func (a *app) customersShowCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "show ID [--json]",
		Short:   "Show one customer with its aliases",
		Example: "  monthend customers show acme\n  monthend customers show acme --json",
		Args:    exactArgs(1, "customers show takes one customer ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := a.openBook(false)
			if err != nil {
				return err
			}
			defer b.Close()
			c, err := b.Customer(args[0])
			if err != nil {
				return err
			}
			aliases, err := b.Aliases(c.ID)
			if err != nil {
				return err
			}
			if asJSON {
				names := []string{}
				for _, al := range aliases {
					names = append(names, al.Alias)
				}
				return writeJSON(a.stdout, struct {
					ledger.Customer
					Aliases []string `json:"aliases"`
				}{c, names})
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			row := func(k, v string) {
				if v != "" {
					fmt.Fprintf(tw, "%s\t%s\n", k, v)
				}
			}
			row("id", c.ID)
			row("name", c.Name)
			row("legal name", c.LegalName)
			row("billing emails", strings.Join(c.Emails, ", "))
			row("address", c.Address)
			row("currency", c.Currency.Code())
			row("time zone", c.TimeZone)
			row("payment terms", fmt.Sprintf("%d days", c.PaymentTermsDays))
			row("tax rate", c.TaxRate.String()+"%")
			for _, k := range sortedKeys(c.ExternalIDs) {
				row("id in "+k, c.ExternalIDs[k])
			}
			if !c.IssuedThrough.IsZero() {
				row("issued through", c.IssuedThrough.String())
			}
			var names []string
			for _, al := range aliases {
				names = append(names, al.Alias)
			}
			row("aliases", strings.Join(names, ", "))
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
