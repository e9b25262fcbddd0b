package cli

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/monthend/monthend/ledger"
	"github.com/monthend/monthend/pricing"
)

func (a *app) quotesCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "quotes",
		Short: "Write, send, sign and execute quotes",
		Long: `A quote offers a contract to a customer or a prospect: the term, the billing
frequency, phases (a trial, year 1, year 2 …) with lines from the product
catalog at overridden prices, seats, usage tiers, discounts, minimums,
payment terms, an expiry date and notes. Its commercial content is a billing
schedule, so executing a signed quote bills exactly what was quoted.

Status: draft → sent → signed → executed; a sent quote may instead be
declined or expire. Saving (import) a quote that was sent makes a new
version; earlier versions stay readable and only the newest can be signed.
The file format and the rules are in docs/quotes.md.`,
		Example: `  monthend quotes new contoso-2026 --prospect "Contoso AG" --currency EUR --time-zone Europe/Zurich \
      --start 2026-06-01 --term 36 --product platform --product api
  monthend quotes export contoso-2026 > contoso.json     # edit, then:
  monthend quotes import contoso.json --id contoso-2026
  monthend quotes figures contoso-2026 --usage api_calls=6000
  monthend quotes pdf contoso-2026 -o contoso.pdf
  monthend quotes send-for-signature contoso-2026 --test  # or: monthend quotes send contoso-2026
  monthend quotes poll contoso-2026                       # or let monthend serve take Dropbox Sign's callbacks
  monthend quotes mark-signed contoso-2026 --by "Dana Meier" --at 2026-05-20
  monthend quotes execute contoso-2026 --alias contoso-prod`,
	}
	cmd.AddCommand(a.quotesNewCommand(), a.quotesImportCommand(), a.quotesExportCommand(), a.quotesListCommand(),
		a.quotesShowCommand(), a.quotesDiffCommand(), a.quotesSendCommand(), a.quotesMarkSignedCommand(),
		a.quotesDeclineCommand(), a.quotesExpireCommand(), a.quotesExecuteCommand(), a.quotesFiguresCommand(),
		a.quotesPDFCommand(), a.quotesTextCommand(), a.quotesSendForSignatureCommand(), a.quotesPollCommand())
	return cmd
}

func (a *app) quotesNewCommand() *cobra.Command {
	var (
		customer, prospect, legalName, address, currency, zone, start, frequency, expires, notes string
		emails, products, seats                                                                  []string
		term, terms                                                                              int
	)
	cmd := &cobra.Command{
		Use:   "new ID (--customer C | --prospect NAME --currency CUR --time-zone ZONE) --start DATE --term MONTHS",
		Short: "Start a draft quote from the catalog",
		Long: `new writes a draft quote with one phase per contract year ("Year 1", "Year 2",
…), each with the given catalog products at their default prices in the
quote's currency. Refine it by exporting, editing and importing it again (a
draft is saved over; see docs/quotes.md for the format), then check its
figures and send it.

Seat products need a seat count: --seats NAME=QTY, NAME being the seat count
their price line uses (monthend products list --json shows it).`,
		Example: `  monthend quotes new acme-renewal --customer acme --start 2027-01-01 --term 24 --product platform --product api
  monthend quotes new contoso-2026 --prospect "Contoso AG" --legal-name "Contoso Aktiengesellschaft" \
      --email ap@contoso.example --currency EUR --time-zone Europe/Zurich --start 2026-06-01 --term 36 \
      --product platform --product analysts --seats analysts=10 --expires 2026-05-31`,
		Args: exactArgs(1, "new takes the new quote's ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if start == "" || term <= 0 {
				return usagef("new needs --start DATE and --term MONTHS")
			}
			if len(products) == 0 {
				return usagef("new needs at least one --product (monthend products list)")
			}
			doc := ledger.QuoteDoc{Customer: customer, TermMonths: term, Billing: pricing.Billing{Frequency: pricing.Frequency(frequency)}, Notes: notes}
			var err error
			if doc.Start, err = pricing.ParseDate(start); err != nil {
				return usagef("--start: %v", err)
			}
			if expires == "" {
				doc.Expires = pricing.DateOf(time.Now(), time.Local).AddDays(30)
			} else if doc.Expires, err = pricing.ParseDate(expires); err != nil {
				return usagef("--expires: %v", err)
			}
			if cmd.Flags().Changed("payment-terms") {
				doc.PaymentTermsDays = &terms
			}
			switch {
			case customer != "" && prospect != "":
				return usagef("give --customer (an existing customer) or --prospect (someone new), not both")
			case prospect != "":
				cur, err := pricing.ParseCurrency(currency)
				if err != nil {
					return usagef("--currency: %v", err)
				}
				doc.Prospect = &ledger.Prospect{Name: prospect, LegalName: legalName, Emails: emails, Address: address, Currency: cur, TimeZone: zone}
			case customer == "":
				return usagef("new needs --customer ID or --prospect NAME")
			}
			if len(seats) > 0 {
				doc.Seats = map[string][]pricing.SeatChange{}
				for _, s := range seats {
					name, qty, ok := strings.Cut(s, "=")
					n, err := strconv.ParseUint(qty, 10, 32)
					if !ok || err != nil {
						return usagef("--seats %q: want NAME=QTY, e.g. --seats analysts=10", s)
					}
					doc.Seats[name] = []pricing.SeatChange{{From: doc.Start, Quantity: decimalInt(int64(n))}}
				}
			}
			for y := 0; y*12 < term; y++ {
				ph := ledger.QuoteDocPhase{Name: fmt.Sprintf("Year %d", y+1)}
				if y > 0 {
					ph.Start = addMonthsDate(doc.Start, 12*y)
				}
				for _, p := range products {
					line, _ := json.Marshal(map[string]string{"product": p})
					ph.Lines = append(ph.Lines, line)
				}
				doc.Phases = append(doc.Phases, ph)
			}
			data, err := json.Marshal(doc)
			if err != nil {
				return err
			}
			return a.withBook(true, func(book *ledger.Book) error {
				if _, err := book.Quote(args[0], 0); err == nil {
					return fmt.Errorf("quote %s %w: pick another id, or change it with monthend quotes import FILE --id %s", args[0], ledger.ErrExists, args[0])
				}
				content, err := book.ParseQuote("the new quote", data)
				if err != nil {
					return err
				}
				q, err := book.SaveQuote(args[0], content)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "quote %s v%d saved (%s) for %s, %d months from %s\n", q.ID, q.Version, q.Status, q.Party(), q.TermMonths, q.Schedule.Start)
				fmt.Fprintf(a.stdout, "next: monthend quotes export %s > %s.json; edit; monthend quotes import %s.json --id %s\n", q.ID, q.ID, q.ID, q.ID)
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&customer, "customer", "", "an existing customer's id")
	f.StringVar(&prospect, "prospect", "", "a prospect's name (not a customer yet)")
	f.StringVar(&legalName, "legal-name", "", "the prospect's legal name")
	f.StringArrayVar(&emails, "email", nil, "the prospect's billing email (repeat for several)")
	f.StringVar(&address, "address", "", "the prospect's address")
	f.StringVar(&currency, "currency", "", "the prospect's currency (ISO 4217, e.g. EUR)")
	f.StringVar(&zone, "time-zone", "", "the prospect's time zone (IANA, e.g. Europe/Berlin)")
	f.StringVar(&start, "start", "", "the contract's first day, YYYY-MM-DD")
	f.IntVar(&term, "term", 0, "the contract's length in months")
	f.StringVar(&frequency, "frequency", "monthly", "billing frequency: monthly, quarterly or annual")
	f.StringArrayVar(&products, "product", nil, "a catalog product for every year (repeat)")
	f.StringArrayVar(&seats, "seats", nil, "a seat count from the start, NAME=QTY (repeat)")
	f.IntVar(&terms, "payment-terms", 0, "payment terms in days (default: the customer's, 30 for a prospect)")
	f.StringVar(&expires, "expires", "", "the last day the offer can be signed (default: 30 days from today)")
	f.StringVar(&notes, "notes", "", "notes shown on the quote")
	return cmd
}

func (a *app) quotesImportCommand() *cobra.Command {
	var id string
	cmd := &cobra.Command{
		Use:   "import FILE --id ID",
		Short: "Save a quote file as quote ID (a new quote, the draft again, or a new version)",
		Long: `import reads a quote file (YAML or JSON, docs/quotes.md), resolves its lines
against the catalog, checks it, and saves it as quote ID: a new quote starts
as version 1, draft; a draft is saved over; a quote that was sent, declined
or expired gets a new draft version (the earlier versions stay readable:
quotes show ID --version N, quotes diff). A signed or executed quote no
longer changes. Every problem is listed with its place. FILE "-" reads
standard input.`,
		Example: `  monthend quotes import contoso.yaml --id contoso-2026
  monthend quotes export contoso-2026 | sed 's/"2000.00"/"1900.00"/' | monthend quotes import - --id contoso-2026`,
		Args: exactArgs(1, "import takes one quote FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if id == "" {
				return usagef("import needs --id (the quote's id)")
			}
			data, err := readInput(args[0], a.stdin)
			if err != nil {
				return err
			}
			return a.withBook(true, func(book *ledger.Book) error {
				content, err := book.ParseQuote(args[0], data)
				if err != nil {
					return err
				}
				q, err := book.SaveQuote(id, content)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "quote %s v%d saved (%s) for %s\n", q.ID, q.Version, q.Status, q.Party())
				if q.Version > 1 && q.CreatedAt.Equal(q.SavedAt) {
					fmt.Fprintf(a.stdout, "v%d stays readable; what changed: monthend quotes diff %s %d %d\n", q.Version-1, q.ID, q.Version-1, q.Version)
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&id, "id", "", "the quote's id (letters, digits, - _ .)")
	return cmd
}

func (a *app) quotesExportCommand() *cobra.Command {
	var version int
	cmd := &cobra.Command{
		Use:   "export ID [--version N]",
		Short: "Print a quote in the import format (JSON)",
		Long: `export prints a quote version as a quote file with every line spelled out
(and the product it came from), so it can be edited and imported again.`,
		Example: "  monthend quotes export contoso-2026 > contoso.json\n  monthend quotes export contoso-2026 --version 1",
		Args:    exactArgs(1, "export takes one quote ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			q, err := a.readQuote(args[0], version)
			if err != nil {
				return err
			}
			return writeJSON(a.stdout, q.Doc())
		},
	}
	cmd.Flags().IntVar(&version, "version", 0, "the version (default: the newest)")
	return cmd
}

func (a *app) readQuote(id string, version int) (ledger.Quote, error) {
	book, err := a.openBook(false)
	if err != nil {
		return ledger.Quote{}, err
	}
	defer book.Close()
	return book.Quote(id, version)
}

// quoteRow is a line of quotes list --json.
type quoteRow struct {
	ID       string             `json:"id"`
	Version  int                `json:"version"`
	Status   ledger.QuoteStatus `json:"status"`
	For      string             `json:"for"`
	Currency string             `json:"currency"`
	Start    pricing.Date       `json:"start"`
	Term     int                `json:"term_months"`
	TCV      string             `json:"tcv"` // with no usage: fees, seats, minimums
	Expires  pricing.Date       `json:"expires"`
	Schedule string             `json:"schedule_id,omitempty"`
}

func (a *app) quotesListCommand() *cobra.Command {
	return listCommand(a, listing[quoteRow]{
		use: "list [--json]", short: "List quotes (newest version of each) with status and value",
		example: "  monthend quotes list\n  monthend quotes list --json",
		empty:   "no quotes yet: monthend quotes new --help",
		read: func(b *ledger.Book) ([]quoteRow, error) {
			qs, err := b.Quotes()
			if err != nil {
				return nil, err
			}
			rows := make([]quoteRow, len(qs))
			for i, q := range qs {
				tcv := "?"
				if f, err := q.Figures(nil); err == nil {
					tcv = f.TCV.StringFixed(q.Schedule.Currency.MinorUnits())
				}
				rows[i] = quoteRow{ID: q.ID, Version: q.Version, Status: q.Status, For: q.Party(), Currency: q.Schedule.Currency.Code(),
					Start: q.Schedule.Start, Term: q.TermMonths, TCV: tcv, Expires: q.Expires, Schedule: q.ScheduleID}
			}
			return rows, nil
		},
		header: "ID\tVERSION\tSTATUS\tFOR\tSTART\tTERM\tTCV\tEXPIRES",
		row: func(r quoteRow) string {
			tcv := r.TCV
			if d, err := decimalString(r.TCV); err == nil {
				tcv = pricing.FormatAmount(d, 0)
			}
			return fmt.Sprintf("%s\t%d\t%s\t%s\t%s\t%dm\t%s %s\t%s", r.ID, r.Version, r.Status, r.For, r.Start, r.Term, tcv, r.Currency, r.Expires)
		},
	})
}

func (a *app) quotesShowCommand() *cobra.Command {
	var (
		version int
		asJSON  bool
	)
	cmd := &cobra.Command{
		Use:   "show ID [--version N] [--json]",
		Short: "Show a quote version: parties, terms, phases and lines, status",
		Example: `  monthend quotes show contoso-2026
  monthend quotes show contoso-2026 --version 1
  monthend quotes show contoso-2026 --json | jq .status`,
		Args: exactArgs(1, "show takes one quote ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withBook(false, func(book *ledger.Book) error {
				q, err := book.Quote(args[0], version)
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(a.stdout, q)
				}
				versions, err := book.QuoteVersions(q.ID)
				if err != nil {
					return err
				}
				writeQuoteText(a.stdout, q, len(versions))
				return nil
			})
		},
	}
	cmd.Flags().IntVar(&version, "version", 0, "the version (default: the newest)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the stored quote record as JSON")
	return cmd
}

func (a *app) quotesDiffCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "diff ID V1 V2",
		Short: "Say what changed between two versions of a quote",
		Long: `diff lists in words what changed from version V1 to V2: who the quote is for,
term, payment terms, expiry, notes, billing, seats, phases added, removed or
moved, and line by line prices (with the change in percent), tiers, packages,
discounts and minimums.`,
		Example: "  monthend quotes diff contoso-2026 1 2\n  monthend quotes diff contoso-2026 1 2 --json",
		Args:    exactArgs(3, "diff takes a quote ID and two version numbers"),
		RunE: func(cmd *cobra.Command, args []string) error {
			v1, err1 := strconv.Atoi(args[1])
			v2, err2 := strconv.Atoi(args[2])
			if err1 != nil || err2 != nil || v1 < 1 || v2 < 1 {
				return usagef("diff: versions are whole numbers from 1 (monthend quotes show %s says how many there are)", args[0])
			}
			return a.withBook(false, func(book *ledger.Book) error {
				a1, err := book.Quote(args[0], v1)
				if err != nil {
					return err
				}
				a2, err := book.Quote(args[0], v2)
				if err != nil {
					return err
				}
				changes := ledger.DiffQuotes(a1, a2)
				if asJSON {
					if changes == nil {
						changes = []string{}
					}
					return writeJSON(a.stdout, changes)
				}
				if len(changes) == 0 {
					fmt.Fprintf(a.stdout, "quote %s: v%d and v%d offer the same\n", args[0], v1, v2)
					return nil
				}
				fmt.Fprintf(a.stdout, "quote %s, v%d → v%d:\n", args[0], v1, v2)
				for _, c := range changes {
					fmt.Fprintf(a.stdout, "  - %s\n", c)
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the changes as a JSON array of sentences")
	return cmd
}

func (a *app) quotesSendCommand() *cobra.Command {
	var request string
	cmd := &cobra.Command{
		Use:   "send ID [--signature-request ID]",
		Short: "Mark the newest version of a quote as sent to the customer",
		Long: `send records that the newest version went to the customer (draft → sent).
After that, saving the quote again makes a new version. A quote past its
expiry date cannot be sent: import it with a later expires first.
--signature-request records the e-signature request made for it.`,
		Example: "  monthend quotes send contoso-2026\n  monthend quotes send contoso-2026 --signature-request fa5c8a0b0f492d768749333ad6fcc214c111e967",
		Args:    exactArgs(1, "send takes one quote ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withBook(true, func(book *ledger.Book) error {
				q, err := book.MarkQuoteSent(args[0], request)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "quote %s v%d %s on %s; it can be signed until %s\n", q.ID, q.Version, q.Status, q.SentAt.Format(time.DateOnly), q.Expires)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&request, "signature-request", "", "the e-signature request's id")
	return cmd
}

func (a *app) quotesMarkSignedCommand() *cobra.Command {
	var (
		by, at, pdf string
		version     int
	)
	cmd := &cobra.Command{
		Use:   "mark-signed ID --by NAME [--at TIME] [--pdf FILE]",
		Short: "Record by hand that the customer signed a quote",
		Long: `mark-signed records who signed the newest version of a sent quote and when
(for a quote signed on paper or outside monthend). --at is a day
(YYYY-MM-DD, taken at noon in the quote's time zone) or an instant
(RFC 3339); default now. --pdf stores the signed document with the quote.
Only the newest version can be signed, and not after its expiry date.`,
		Example: `  monthend quotes mark-signed contoso-2026 --by "Dana Meier, CFO"
  monthend quotes mark-signed contoso-2026 --by "Dana Meier" --at 2026-05-20 --pdf signed.pdf`,
		Args: exactArgs(1, "mark-signed takes one quote ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(by) == "" {
				return usagef("mark-signed needs --by NAME: who signed")
			}
			var doc []byte
			if pdf != "" {
				var err error
				if doc, err = readInput(pdf, a.stdin); err != nil {
					return err
				}
			}
			return a.withBook(true, func(book *ledger.Book) error {
				q, err := book.Quote(args[0], 0)
				if err != nil {
					return err
				}
				when := time.Time{}
				if at != "" {
					if when, err = parseInstant(at, q.Schedule.TimeZone); err != nil {
						return err
					}
				}
				q, changed, err := book.MarkQuoteSigned(args[0], version, ledger.Signature{By: by, At: when, Via: "hand", PDF: doc})
				if err != nil {
					return err
				}
				if !changed {
					fmt.Fprintf(a.stdout, "quote %s v%d unchanged: already %s (signed by %s on %s)\n", q.ID, q.Version, q.Status, q.SignedBy, q.SignedAt.Format(time.DateOnly))
					return nil
				}
				fmt.Fprintf(a.stdout, "quote %s v%d signed by %s on %s; next: monthend quotes execute %s\n", q.ID, q.Version, q.SignedBy, q.SignedAt.Format(time.RFC3339), q.ID)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&by, "by", "", "who signed (name and role)")
	cmd.Flags().StringVar(&at, "at", "", "when: YYYY-MM-DD or RFC 3339 (default now)")
	cmd.Flags().StringVar(&pdf, "pdf", "", "the signed document to keep with the quote")
	cmd.Flags().IntVar(&version, "version", 0, "the version signed (default: the newest; an older one is refused)")
	return cmd
}

// parseInstant reads YYYY-MM-DD (noon in zone) or RFC 3339.
func parseInstant(s, zone string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := pricing.ParseDate(s)
	if err != nil {
		return time.Time{}, usagef("--at %q: a day such as 2026-05-20 or an instant such as 2026-05-20T14:30:00+02:00", s)
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		loc = time.UTC
	}
	return d.Start(loc).Add(12 * time.Hour), nil
}

func (a *app) quotesDeclineCommand() *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:     "decline ID [--reason TEXT]",
		Short:   "Record that the customer declined a sent quote",
		Long:    `decline marks the newest version of a sent quote declined. Importing the quote again makes a new version that can be sent.`,
		Example: `  monthend quotes decline contoso-2026 --reason "went with a competitor"`,
		Args:    exactArgs(1, "decline takes one quote ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withBook(true, func(book *ledger.Book) error {
				q, err := book.DeclineQuote(args[0], reason)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "quote %s v%d %s\n", q.ID, q.Version, q.Status)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why, in a few words")
	return cmd
}

func (a *app) quotesExpireCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "expire",
		Short:   "Mark sent quotes past their expiry date as expired",
		Long:    `expire moves every sent quote whose expiry date has passed (in the quote's time zone) to expired, and lists them.`,
		Example: "  monthend quotes expire",
		Args:    exactArgs(0, "expire takes no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withBook(true, func(book *ledger.Book) error {
				qs, err := book.ExpireQuotes()
				if err != nil {
					return err
				}
				for _, q := range qs {
					fmt.Fprintf(a.stdout, "quote %s v%d expired (on %s)\n", q.ID, q.Version, q.Expires)
				}
				fmt.Fprintf(a.stdout, "%d quotes expired\n", len(qs))
				return nil
			})
		},
	}
}

func (a *app) quotesExecuteCommand() *cobra.Command {
	var (
		aliases              []string
		customerID, schedule string
		asJSON               bool
	)
	cmd := &cobra.Command{
		Use:   "execute ID [--alias A ...] [--customer-id C] [--schedule-id S]",
		Short: "Turn a signed quote into a draft billing schedule",
		Long: `execute turns the newest version of a signed quote into a draft billing
schedule, in one transaction: for a prospect it creates the customer (id from
--customer-id, else from the prospect's name) with the --alias identifiers
its usage events carry; it stores the quote's schedule unchanged — phases,
prices, seats, discounts, minimums — as a draft schedule (id --schedule-id,
else the quote's id); and it marks the quote executed. Running it again
changes nothing and names the same schedule. Review the draft, then activate
it with monthend schedules import … --status active.`,
		Example: `  monthend quotes execute contoso-2026 --alias contoso-prod --alias contoso-eu
  monthend quotes execute acme-renewal --schedule-id acme-2027`,
		Args: exactArgs(1, "execute takes one quote ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withBook(true, func(book *ledger.Book) error {
				r, err := book.ExecuteQuote(args[0], ledger.ExecuteOptions{ScheduleID: schedule, CustomerID: customerID, Aliases: aliases})
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(a.stdout, r)
				}
				if !r.Changed {
					fmt.Fprintf(a.stdout, "quote %s was already executed: schedule %s (customer %s)\n", r.Quote.ID, r.Quote.ScheduleID, r.Quote.CustomerID)
					return nil
				}
				if r.CustomerCreated {
					fmt.Fprintf(a.stdout, "customer %s created\n", r.Quote.CustomerID)
				}
				fmt.Fprintf(a.stdout, "quote %s v%d executed: schedule %s v%d (draft) for %s\n", r.Quote.ID, r.Quote.Version, r.Schedule.ID, r.Schedule.Version, r.Quote.CustomerID)
				fmt.Fprintf(a.stdout, "next: monthend schedules export %s > s.json && monthend schedules import s.json --id %s --customer %s --status active\n", r.Schedule.ID, r.Schedule.ID, r.Quote.CustomerID)
				return nil
			})
		},
	}
	cmd.Flags().StringArrayVar(&aliases, "alias", nil, "an identifier the customer's usage events carry (repeat)")
	cmd.Flags().StringVar(&customerID, "customer-id", "", "the new customer's id (a prospect's quote)")
	cmd.Flags().StringVar(&schedule, "schedule-id", "", "the new schedule's id (default: the quote's id)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print what was done as JSON")
	return cmd
}
