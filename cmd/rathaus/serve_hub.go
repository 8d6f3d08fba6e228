package main

import (
	"flag"
	"strconv"
	"time"

	"github.com/rathaus-egov/rathaus/internal/delivery"
)

// serveHubConfig is the integration hub's part of serve's configuration.
type serveHubConfig struct {
	policy      delivery.Policy
	pushTimeout time.Duration
	jobLease    time.Duration
}

func envDuration(key string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(envOr(key, "")); err == nil {
		return d
	}
	return def
}

func (c *serveHubConfig) register(fs *flag.FlagSet) {
	fs.DurationVar(&c.policy.RetryFor, "delivery-retry-for", envDuration("RATHAUS_DELIVERY_RETRY_FOR", 72*time.Hour),
		"how long failed deliveries to recipients are retried (exponential back-off with jitter) before they are dead (env RATHAUS_DELIVERY_RETRY_FOR)")
	monthly, _ := strconv.ParseBool(envOr("RATHAUS_STATISTIK_MONTHLY", "false"))
	fs.BoolVar(&c.policy.StatistikMonthly, "statistik-monthly", monthly,
		"batch messages to the statistics office per month and send them on the first working day of the next month (env RATHAUS_STATISTIK_MONTHLY)")
	fs.DurationVar(&c.pushTimeout, "push-timeout", envDuration("RATHAUS_PUSH_TIMEOUT", 30*time.Second), "timeout of one HTTP push attempt (env RATHAUS_PUSH_TIMEOUT)")
	fs.DurationVar(&c.jobLease, "job-lease", envDuration("RATHAUS_JOB_LEASE", 2*time.Minute),
		"how long a claimed background job is held before another node may take it over after a crash (env RATHAUS_JOB_LEASE)")
}
