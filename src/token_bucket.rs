//! A client-side token bucket that stays behind the service's own, so paced calls are never
//! throttled however the network delays them.
//!
//! The service charges a call when it *arrives* and refills from then; the client never sees
//! that moment, only that it lies between sending and the answer. So the client charges each
//! call when its answer comes (after the service did), and counts calls still in flight as
//! already charged. Its count of available tokens is then never above the service's, and it can
//! use the service's whole burst with no margin to give away.

use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// Tokens refilled at `rate` a second up to `burst`, and the calls not yet answered.
struct State {
    tokens: f64,
    refilled: Instant,
    in_flight: usize,
}

pub(crate) struct TokenBucket {
    rate: f64,
    burst: f64,
    state: Mutex<State>,
    answered: Notify,
}

/// Leave to send one call; dropping it, once the call is answered (or failed), charges the token.
pub(crate) struct Permit<'a> {
    bucket: &'a TokenBucket,
    throttled: bool,
}

impl Permit<'_> {
    /// The call was throttled all the same: another client is spending the same quota. The
    /// service's bucket was empty when the call arrived, so this one empties too, and the next
    /// call waits for a fresh token instead of being throttled in turn.
    pub(crate) fn throttled(mut self) {
        self.throttled = true;
    }
}

impl TokenBucket {
    /// `rate` calls a second, with the service's burst of `rate`.
    pub(crate) fn new(rate: f64) -> TokenBucket {
        let rate = if rate.is_finite() && rate > 0.0 {
            rate
        } else {
            f64::MAX
        };
        let burst = rate.clamp(1.0, 1_000_000.0).floor();
        TokenBucket {
            rate,
            burst,
            state: Mutex::new(State {
                tokens: burst,
                refilled: Instant::now(),
                in_flight: 0,
            }),
            answered: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let elapsed = now.duration_since(state.refilled).as_secs_f64();
        state.tokens = (state.tokens + elapsed * self.rate).min(self.burst);
        state.refilled = now;
        state
    }

    /// Waits until a call may be sent without the service throttling it.
    pub(crate) async fn acquire(&self) -> Permit<'_> {
        loop {
            let answered = self.answered.notified();
            let wait = {
                let mut state = self.lock();
                let available = state.tokens - state.in_flight as f64;
                if available >= 1.0 {
                    state.in_flight += 1;
                    return Permit {
                        bucket: self,
                        throttled: false,
                    };
                }
                // Refilling raises what is available until the bucket is full; past that, only
                // an answer (which lets the bucket refill again) can.
                let room = self.burst - state.tokens;
                let needed = 1.0 - available;
                (needed <= room).then(|| Duration::from_secs_f64(needed / self.rate))
            };
            match wait {
                Some(wait) => {
                    tokio::select! {
                        () = tokio::time::sleep(wait) => {}
                        () = answered => {}
                    }
                }
                None => answered.await,
            }
        }
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        {
            let mut state = self.bucket.lock();
            state.in_flight = state.in_flight.saturating_sub(1);
            state.tokens = if self.throttled {
                // A throttled call takes no token from the service, but says it had none.
                state.tokens.min(0.0)
            } else {
                state.tokens - 1.0
            };
        }
        self.bucket.answered.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Calls answered after `latency`, `parallel` at a time; returns when each was sent (ms).
    async fn send(
        bucket: &TokenBucket,
        calls: usize,
        parallel: usize,
        latency: Duration,
    ) -> Vec<u128> {
        use futures_util::StreamExt;
        let start = Instant::now();
        let mut sent: Vec<u128> = futures_util::stream::iter(0..calls)
            .map(|_| async {
                let permit = bucket.acquire().await;
                let at = start.elapsed().as_millis();
                tokio::time::sleep(latency).await;
                drop(permit);
                at
            })
            .buffer_unordered(parallel)
            .collect()
            .await;
        sent.sort_unstable();
        sent
    }

    #[tokio::test(start_paused = true)]
    async fn the_full_burst_goes_at_once_then_one_per_token() {
        let bucket = TokenBucket::new(5.0);
        let sent = send(&bucket, 10, 8, Duration::from_millis(50)).await;
        assert_eq!(&sent[..5], &[0, 0, 0, 0, 0]);
        // Tokens refill from the answers (50 ms), never from the sends.
        assert_eq!(&sent[5..], &[250, 450, 650, 850, 1050]);
    }

    #[tokio::test(start_paused = true)]
    async fn sequential_pages_wait_only_for_tokens() {
        let bucket = TokenBucket::new(5.0);
        let sent = send(&bucket, 10, 1, Duration::from_millis(50)).await;
        assert_eq!(&sent[..5], &[0, 50, 100, 150, 200]);
        assert!(sent[9] <= 1_100, "{sent:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn slow_answers_hold_tokens_back() {
        // While five calls are unanswered nothing else may go, however long they take.
        let bucket = TokenBucket::new(5.0);
        let sent = send(&bucket, 6, 8, Duration::from_secs(3)).await;
        assert_eq!(sent, [0, 0, 0, 0, 0, 3_200]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_throttled_call_empties_the_bucket() {
        let bucket = TokenBucket::new(5.0);
        bucket.acquire().await.throttled();
        // Four tokens were left; the service said it had none, so the next call waits for one.
        let start = Instant::now();
        drop(bucket.acquire().await);
        assert_eq!(start.elapsed(), Duration::from_millis(200));
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_bucket_refills_only_to_its_burst() {
        let bucket = TokenBucket::new(3.0);
        tokio::time::sleep(Duration::from_secs(60)).await;
        let sent = send(&bucket, 5, 1, Duration::ZERO).await;
        assert_eq!(sent[..3], [0, 0, 0]);
        assert!(sent[4] >= 600, "{sent:?}");
    }
}
