package cli

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

func (a *app) apikeyCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "apikey",
		Short: "Create, list and revoke API keys for monthend serve",
		Long: `apikey manages the bearer keys that usage senders present to monthend serve
(Authorization: Bearer KEY). Keys are stored hashed; the key itself is shown
once, when created.`,
	}
	cmd.AddCommand(&cobra.Command{
		Use:     "create NAME",
		Short:   "Create an API key and print it once",
		Example: "  monthend apikey create billing-pipeline",
		Args:    exactArgs(1, "apikey create takes one NAME saying who uses the key"),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := a.openBook(true)
			if err != nil {
				return err
			}
			defer b.Close()
			k, text, err := b.CreateAPIKey(args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "%s\n", text)
			fmt.Fprintf(a.stderr, "created API key %s (%s); it is shown only now, store it safely\n", k.ID, k.Name)
			return nil
		},
	}, &cobra.Command{
		Use:     "list",
		Short:   "List API keys (never the keys themselves)",
		Example: "  monthend apikey list",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := a.openBook(false)
			if err != nil {
				return err
			}
			defer b.Close()
			keys, err := b.APIKeys()
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tCREATED\tSTATUS")
			for _, k := range keys {
				status := "active"
				if k.Revoked != nil {
					status = "revoked " + k.Revoked.Format(time.DateOnly)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", k.ID, k.Name, k.Created.Format(time.DateOnly), status)
			}
			return tw.Flush()
		},
	}, &cobra.Command{
		Use:     "revoke ID",
		Short:   "Revoke an API key",
		Example: "  monthend apikey revoke 3f9a1c2b7d4e",
		Args:    exactArgs(1, "apikey revoke takes one key ID (monthend apikey list shows them)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := a.openBook(true)
			if err != nil {
				return err
			}
			defer b.Close()
			if err := b.RevokeAPIKey(args[0]); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "revoked API key %s\n", args[0])
			return nil
		},
	})
	return cmd
}
