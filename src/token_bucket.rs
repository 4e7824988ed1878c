//! A client-side token bucket: calls spread out at the service's rate instead of throttled and
//! retried.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// A client-side token bucket: `rate` calls a second, with a burst one call short of the
/// service's own (`rate`). The service's bucket refills at the same rate from the moment our
/// first call reaches it, so without that one call of margin the two race, and a few
/// milliseconds of network delay decide whether a call is throttled.
pub(crate) struct TokenBucket {
    rate: f64,
    burst: f64,
    state: Mutex<(f64, Instant)>,
}

impl TokenBucket {
    pub(crate) fn new(rate: f64) -> TokenBucket {
        let rate = if rate.is_finite() && rate > 0.0 {
            rate
        } else {
            f64::MAX
        };
        let burst = (rate.clamp(1.0, 1_000_000.0).floor() - 1.0).max(1.0);
        TokenBucket {
            rate,
            burst,
            state: Mutex::new((burst, Instant::now())),
        }
    }

    /// Takes a token, waiting for it if needed. Reserving ahead (tokens below zero) keeps the
    /// waiters in order without a queue.
    pub(crate) async fn acquire(&self) {
        let wait = {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let elapsed = now.duration_since(state.1).as_secs_f64();
            state.0 = (state.0 + elapsed * self.rate).min(self.burst);
            state.1 = now;
            state.0 -= 1.0;
            if state.0 >= 0.0 {
                Duration::ZERO
            } else {
                Duration::from_secs_f64(-state.0 / self.rate)
            }
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_full_bucket_bursts_one_short_of_the_rate_then_paces() {
        let bucket = TokenBucket::new(5.0);
        let start = Instant::now();
        for _ in 0..4 {
            bucket.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        for _ in 0..5 {
            bucket.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_bucket_refills_only_to_its_burst() {
        let bucket = TokenBucket::new(3.0);
        tokio::time::sleep(Duration::from_secs(60)).await;
        let start = Instant::now();
        for _ in 0..5 {
            bucket.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::from_secs(1));
    }
}
