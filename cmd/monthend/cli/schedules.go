package cli

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/monthend/monthend/ledger"
	"github.com/monthend/monthend/pricing"
)

func (a *app) schedulesCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "schedules",
		Short: "Import, list, show and export billing schedules",
		Long: `A billing schedule is the billing side of a signed contract, in the format of
docs/schedule-format.md. Every import of a schedule id stores a new version;
invoices record the version they were priced from.`,
		Example: `  monthend schedules import acme.yaml --id acme-2026 --customer acme --status active
  monthend schedules list
  monthend schedules show acme-2026
  monthend schedules export acme-2026 > acme.json
  monthend schedules activate contoso-2026   # a draft from quotes execute starts billing`,
	}
	cmd.AddCommand(a.schedulesImportCommand(), a.schedulesListCommand(), a.schedulesShowCommand(), a.schedulesExportCommand(),
		a.scheduleStatusCommand("activate", ledger.ScheduleActive, "Start billing a schedule (a new version, status active)",
			"activate stores the next version of a schedule with status active, prices unchanged:\nthe next recalc creates its drafts. A schedule made by `monthend quotes execute`\nstarts as a draft, so that it is checked before it bills."),
		a.scheduleStatusCommand("end", ledger.ScheduleEnded, "Stop billing a schedule (a new version, status ended)",
			"end stores the next version of a schedule with status ended: recalc makes no\nnew drafts for it. Issued invoices are untouched."))
	return cmd
}

// scheduleStatusCommand is `schedules activate|end ID`.
func (a *app) scheduleStatusCommand(verb string, status ledger.ScheduleStatus, short, long string) *cobra.Command {
	return &cobra.Command{
		Use:     verb + " ID",
		Short:   short,
		Long:    long,
		Example: "  monthend schedules " + verb + " contoso-2026",
		Args:    exactArgs(1, verb+" takes one schedule id (monthend schedules list shows them)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withBook(true, func(book *ledger.Book) error {
				rec, err := book.SetScheduleStatus(args[0], status)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "schedule %s v%d is %s\n", rec.ID, rec.Version, rec.Status)
				return nil
			})
		},
	}
}

func (a *app) schedulesImportCommand() *cobra.Command {
	var id, customer, status, late string
	cmd := &cobra.Command{
		Use:   "import FILE --id ID --customer CUSTOMER",
		Short: "Store a schedule file as the next version of a schedule",
		Long: `import reads a schedule (YAML or JSON, docs/schedule-format.md), checks it,
and stores it as the next version of schedule ID for CUSTOMER. The schedule's
currency must be the customer's. FILE "-" reads standard input.

--status active makes it bill (recalc creates its drafts); draft keeps it
aside. --late-usage says what happens to usage that arrives after a period
was invoiced: adjust (bill it on the next draft, priced as that period would
have priced it) or report (only flag it).`,
		Example: `  monthend schedules import acme.yaml --id acme-2026 --customer acme --status active
  monthend schedules import acme-v2.yaml --id acme-2026 --customer acme --status active   # version 2`,
		Args: exactArgs(1, "import takes one schedule FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if id == "" || customer == "" {
				return usagef("import needs --id (the schedule's id) and --customer (an existing customer id)")
			}
			data, err := readInput(args[0], a.stdin)
			if err != nil {
				return err
			}
			s, err := pricing.ParseSchedule(args[0], data)
			if err != nil {
				return err
			}
			return a.withBook(true, func(book *ledger.Book) error {
				rec, err := book.SaveSchedule(id, customer, ledger.ScheduleStatus(status), ledger.LatePolicy(late), s)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "schedule %s version %d for %s stored (%s)\n", rec.ID, rec.Version, rec.CustomerID, rec.Status)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&id, "id", "", "the schedule's id (letters, digits, - _ .)")
	cmd.Flags().StringVar(&customer, "customer", "", "the customer it bills")
	cmd.Flags().StringVar(&status, "status", "active", "draft, active or ended")
	cmd.Flags().StringVar(&late, "late-usage", "adjust", "adjust or report")
	return cmd
}

func (a *app) schedulesListCommand() *cobra.Command {
	return listCommand(a, listing[ledger.ScheduleRecord]{
		use: "list [--json]", short: "List schedules (newest version of each)",
		example: "  monthend schedules list\n  monthend schedules list --json",
		empty:   "no schedules yet: monthend schedules import --help",
		read:    (*ledger.Book).Schedules,
		header:  "ID\tCUSTOMER\tVERSION\tSTATUS\tCURRENCY\tSTART\tEND\tPHASES",
		row: func(r ledger.ScheduleRecord) string {
			end := "open"
			if !r.Schedule.End.IsZero() {
				end = r.Schedule.End.String()
			}
			return fmt.Sprintf("%s\t%s\t%d\t%s\t%s\t%s\t%s\t%d", r.ID, r.CustomerID, r.Version, r.Status,
				r.Schedule.Currency, r.Schedule.Start, end, len(r.Schedule.Phases))
		},
	})
}

func (a *app) schedulesShowCommand() *cobra.Command {
	var version int
	cmd := &cobra.Command{
		Use:     "show ID [--version N]",
		Short:   "Show a schedule version with its record (JSON)",
		Example: "  monthend schedules show acme-2026\n  monthend schedules show acme-2026 --version 1",
		Args:    exactArgs(1, "show takes one schedule ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			rec, err := a.readSchedule(args[0], version)
			if err != nil {
				return err
			}
			return writeJSON(a.stdout, rec)
		},
	}
	cmd.Flags().IntVar(&version, "version", 0, "the version (default: the newest)")
	return cmd
}

func (a *app) schedulesExportCommand() *cobra.Command {
	var version int
	cmd := &cobra.Command{
		Use:   "export ID [--version N]",
		Short: "Print a schedule in the import format (JSON)",
		Long: `export prints the schedule document alone, in the format import reads, so a
schedule can be edited and imported again as a new version.`,
		Example: "  monthend schedules export acme-2026 > acme.json\n  monthend schedules import acme.json --id acme-2026 --customer acme",
		Args:    exactArgs(1, "export takes one schedule ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			rec, err := a.readSchedule(args[0], version)
			if err != nil {
				return err
			}
			out, err := json.MarshalIndent(rec.Schedule, "", "  ")
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.stdout, "%s\n", out)
			return err
		},
	}
	cmd.Flags().IntVar(&version, "version", 0, "the version (default: the newest)")
	return cmd
}

func (a *app) readSchedule(id string, version int) (ledger.ScheduleRecord, error) {
	book, err := a.openBook(false)
	if err != nil {
		return ledger.ScheduleRecord{}, err
	}
	defer book.Close()
	return book.Schedule(id, version)
}

// exactArgs is cobra.ExactArgs with a usage error that says what is wanted.
func exactArgs(n int, want string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef("%s (got %d); see monthend %s --help", want, len(args), cmd.CommandPath()[len("monthend "):])
		}
		return nil
	}
}
