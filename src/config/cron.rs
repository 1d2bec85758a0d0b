//! Cron expressions as the scheduler reads them (six fields, seconds first, Nepal time),
//! checked when the configuration is loaded so a typo stops the start, not the job.

use tokio_cron_scheduler::Job;

use crate::support::clock::nepal_offset;

/// Checks a cron expression (six fields, seconds first) the way the scheduler reads it.
pub fn check(expr: &str) -> Result<(), String> {
    Job::new_async_tz(expr, nepal_offset(), |_, _| Box::pin(async {}))
        .map(|_| ())
        .map_err(|e| {
            format!("'{expr}' is not a cron expression with seconds, e.g. \"0 0 2 * * *\" ({e:?})")
        })
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn the_default_schedules_parse_and_nonsense_does_not() {
        let cfg = crate::config::JobsConfig::default();
        check(&cfg.credit_refresh).unwrap();
        check(&cfg.deadlines).unwrap();
        check(&cfg.retention).unwrap();
        assert!(check("every night").is_err());
        assert!(check("0 2 * * *").is_err(), "five fields lack the seconds");
    }
}
