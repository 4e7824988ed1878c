//! Client-side token buckets: calls spread out at the service's rate instead of throttled and
//! retried. The service's own bucket refills from the moment each call *reaches* it, which the
//! client never sees; each bucket here stays behind the service's by construction.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Tokens refilled at `rate` a second up to `burst`.
struct Tokens {
    rate: f64,
    burst: f64,
    tokens: f64,
    refilled: Instant,
}

impl Tokens {
    fn new(rate: f64, burst: f64) -> Tokens {
        Tokens {
            rate,
            burst,
            tokens: burst,
            refilled: Instant::now(),
        }
    }

    fn refill(&mut self) {
        let now = Instant::now();
        let elapsed = now.duration_since(self.refilled).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        self.refilled = now;
    }

    /// How long until `tokens` reaches `level`.
    fn wait_for(&self, level: f64) -> Duration {
        if self.tokens >= level {
            Duration::ZERO
        } else {
            Duration::from_secs_f64((level - self.tokens) / self.rate)
        }
    }
}

fn usable(rate: f64) -> f64 {
    if rate.is_finite() && rate > 0.0 {
        rate
    } else {
        f64::MAX
    }
}

/// For calls made concurrently (updates): `rate` calls a second with a burst one call short of
/// the service's (`rate`). A call is charged when it is sent, but the service charges it on
/// arrival and refills from then; that one call of margin keeps a few milliseconds of network
/// delay from deciding whether a call is throttled.
pub(crate) struct TokenBucket {
    tokens: Mutex<Tokens>,
}

impl TokenBucket {
    pub(crate) fn new(rate: f64) -> TokenBucket {
        let rate = usable(rate);
        let burst = (rate.clamp(1.0, 1_000_000.0).floor() - 1.0).max(1.0);
        TokenBucket {
            tokens: Mutex::new(Tokens::new(rate, burst)),
        }
    }

    /// Takes a token, waiting for it if needed. Reserving ahead (tokens below zero) keeps the
    /// waiters in order without a queue.
    pub(crate) async fn acquire(&self) {
        let wait = {
            let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
            tokens.refill();
            tokens.tokens -= 1.0;
            tokens.wait_for(0.0)
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

/// For calls made one after another (list pages): the service's full burst, with each call
/// charged only once it is answered, which is after the service charged it. The client's count
/// is then never above the service's, with no margin to give away.
pub(crate) struct PageBucket {
    tokens: Mutex<Tokens>,
}

impl PageBucket {
    pub(crate) fn new(rate: f64) -> PageBucket {
        let rate = usable(rate);
        PageBucket {
            tokens: Mutex::new(Tokens::new(rate, rate.clamp(1.0, 1_000_000.0).floor())),
        }
    }

    /// Waits until a call may be sent.
    pub(crate) async fn ready(&self) {
        let wait = {
            let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
            tokens.refill();
            tokens.wait_for(1.0)
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// Charges the call that was just answered.
    pub(crate) fn answered(&self) {
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        tokens.refill();
        tokens.tokens -= 1.0;
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

    /// Ten pages answered after 50 ms each: five at once, then one each time a token refills,
    /// counted from the answers.
    #[tokio::test(start_paused = true)]
    async fn pages_use_the_full_burst_and_refill_from_their_answers() {
        let bucket = PageBucket::new(5.0);
        let start = Instant::now();
        let mut sent = Vec::new();
        for _ in 0..10 {
            bucket.ready().await;
            sent.push(start.elapsed());
            tokio::time::sleep(Duration::from_millis(50)).await;
            bucket.answered();
        }
        let ms: Vec<u128> = sent.iter().map(Duration::as_millis).collect();
        // Pages 1-5 go as soon as the previous answer arrives; page 6 waits for the token
        // refilled since the first answer (at 50 ms), and so on.
        assert_eq!(&ms[..5], &[0, 50, 100, 150, 200]);
        assert!(ms[5] >= 250 && ms[9] <= 1_100, "{ms:?}");
        for pair in ms.windows(2) {
            assert!(pair[1] - pair[0] >= 50, "{ms:?}");
        }
    }
}
