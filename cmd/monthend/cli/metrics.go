package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/monthend/monthend/ledger"
)

func (a *app) metricsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "metrics",
		Short: "Add and list the metrics usage is measured in",
		Long: `metrics manages what is metered. A metric has a code (what events name), a
display name, a unit and an aggregation: count (events), sum, max, latest (of
the event's value, or of --property) or unique_count (distinct values of
--property, exact over the period).`,
	}
	cmd.AddCommand(a.metricsAddCommand(), a.metricsListCommand())
	return cmd
}

func (a *app) metricsAddCommand() *cobra.Command {
	var m ledger.Metric
	var agg string
	cmd := &cobra.Command{
		Use:   "add CODE --aggregation AGG [--property NAME] [--name NAME] [--unit UNIT]",
		Short: "Add a metric",
		Example: `  monthend metrics add api_calls --aggregation count --name "API calls" --unit call
  monthend metrics add storage_gb --aggregation max --unit GB
  monthend metrics add bytes_out --aggregation sum --property bytes --unit byte
  monthend metrics add active_users --aggregation unique_count --property user_id`,
		Args: exactArgs(1, "metrics add takes one metric CODE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			m.Code, m.Aggregation = args[0], ledger.Aggregation(agg)
			if agg == "" {
				return usagef("metrics add needs --aggregation (one of %v)", ledger.Aggregations)
			}
			if err := m.Validate(); err != nil {
				return usageError{err}
			}
			b, err := a.openBook(true)
			if err != nil {
				return err
			}
			defer b.Close()
			if err := b.AddMetric(m); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "added metric %s (%s)\n", m.Code, m.Aggregation)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&agg, "aggregation", "", "count, sum, max, unique_count or latest")
	f.StringVar(&m.Property, "property", "", "event property to aggregate (required for unique_count)")
	f.StringVar(&m.DisplayName, "name", "", "display name (default: the code)")
	f.StringVar(&m.Unit, "unit", "", "unit, e.g. call, GB")
	return cmd
}

func (a *app) metricsListCommand() *cobra.Command {
	return listCommand(a, listing[ledger.Metric]{
		use: "list [--json]", short: "List the metrics",
		example: "  monthend metrics list\n  monthend metrics list --json",
		read:    (*ledger.Book).Metrics,
		header:  "CODE\tNAME\tUNIT\tAGGREGATION\tPROPERTY",
		row: func(m ledger.Metric) string {
			return fmt.Sprintf("%s\t%s\t%s\t%s\t%s", m.Code, m.DisplayName, m.Unit, m.Aggregation, m.Property)
		},
	})
}
