//! The CPU device's worker threads: started once, woken per dispatch, sharing a
//! dispatch's workgroups through one atomic counter.
//!
//! A dispatch publishes its job (a function over a range of workgroups) by bumping a
//! generation number; every worker, and the calling thread itself, then takes chunks of
//! workgroups from the counter until none are left, and the caller returns once every
//! worker has finished with the job. Nothing is allocated and no task is created per
//! dispatch. Between dispatches workers spin for a short while (a model's next kernel is
//! usually microseconds away) and then sleep on a condition variable until the next job.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// How long an idle worker spins before it sleeps.
const SPIN: Duration = Duration::from_micros(200);

/// Chunks per participant a dispatch is cut into: enough that uneven workgroups and a
/// late worker still balance, few enough that the counter is rarely touched.
const CHUNKS_PER_THREAD: u64 = 4;

/// What a dispatch asks for: `run(first, end)` runs workgroups `first..end`, returning 0
/// or the first nonzero status.
type Job = *const (dyn Fn(u64, u64) -> i32 + Sync);

struct Shared {
    /// The current job; written only by the dispatching thread while no worker reads
    /// it (every worker has finished the previous job before `dispatch` returns).
    job: UnsafeCell<Option<Job>>,
    total: AtomicU64,
    chunk: AtomicU64,
    next: AtomicU64,
    /// Bumped to publish a job (and at shutdown).
    generation: AtomicU64,
    /// Workers that have not yet finished the current job.
    pending: AtomicUsize,
    /// The first nonzero status of the current job.
    status: AtomicI32,
    stop: AtomicBool,
    sleep: Mutex<()>,
    wake: Condvar,
}

// Safety: `job` is only written by the dispatching thread while no worker reads it (see
// above); the job itself is `Sync`.
unsafe impl Sync for Shared {}
unsafe impl Send for Shared {}

impl Shared {
    /// Takes chunks of the current job until none are left.
    fn work(&self) {
        // Safety: a job is published before the generation that announces it, and stays
        // alive until every participant has finished.
        let Some(job) = (unsafe { *self.job.get() }) else {
            return;
        };
        let job = unsafe { &*job };
        let (total, chunk) = (
            self.total.load(Ordering::Relaxed),
            self.chunk.load(Ordering::Relaxed),
        );
        loop {
            let first = self.next.fetch_add(chunk, Ordering::Relaxed);
            if first >= total {
                break;
            }
            let status = job(first, (first + chunk).min(total));
            if status != 0 {
                let _ =
                    self.status
                        .compare_exchange(0, status, Ordering::Relaxed, Ordering::Relaxed);
                // Leave the rest: the dispatch failed.
                self.next.store(total, Ordering::Relaxed);
            }
        }
    }
}

/// A fixed set of worker threads that run dispatches together with the calling thread.
pub struct Pool {
    shared: Arc<Shared>,
    workers: Vec<std::thread::JoinHandle<()>>,
    /// One dispatch at a time on the workers; a caller that finds them busy runs its
    /// dispatch on its own thread.
    turn: Mutex<()>,
}

impl Pool {
    /// A pool that runs dispatches on `threads` threads: the caller and `threads - 1`
    /// workers.
    pub fn new(threads: usize) -> std::io::Result<Pool> {
        let shared = Arc::new(Shared {
            job: UnsafeCell::new(None),
            total: AtomicU64::new(0),
            chunk: AtomicU64::new(1),
            next: AtomicU64::new(0),
            generation: AtomicU64::new(0),
            pending: AtomicUsize::new(0),
            status: AtomicI32::new(0),
            stop: AtomicBool::new(false),
            sleep: Mutex::new(()),
            wake: Condvar::new(),
        });
        let mut workers = Vec::new();
        for i in 1..threads.max(1) {
            let s = shared.clone();
            workers.push(
                std::thread::Builder::new()
                    .name(format!("strata-cpu-{i}"))
                    // Matrix-product kernels keep their packed blocks on the stack.
                    .stack_size(8 << 20)
                    .spawn(move || worker(&s))?,
            );
        }
        Ok(Pool {
            shared,
            workers,
            turn: Mutex::new(()),
        })
    }

    /// The threads a dispatch runs on.
    pub fn threads(&self) -> usize {
        self.workers.len() + 1
    }

    /// Runs `run(first, end)` over workgroups `0..total` on every thread (on the calling
    /// thread alone while another caller's dispatch has the workers: concurrent callers
    /// each keep a core busy instead of queueing); returns 0 or the first nonzero status
    /// one of them returned.
    pub fn run(&self, total: u64, run: &(dyn Fn(u64, u64) -> i32 + Sync)) -> i32 {
        if self.workers.is_empty() || total <= 1 {
            return run(0, total);
        }
        let _turn = match self.turn.try_lock() {
            Ok(g) => g,
            Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => return run(0, total),
        };
        let s = &*self.shared;
        let chunk = (total / (self.threads() as u64 * CHUNKS_PER_THREAD)).max(1);
        // Safety: no worker reads the job now (the previous dispatch waited for all of
        // them); the reference outlives this call, which waits for them again.
        let job: Job =
            unsafe { std::mem::transmute::<&(dyn Fn(u64, u64) -> i32 + Sync), Job>(run) };
        unsafe { *s.job.get() = Some(job) };
        s.total.store(total, Ordering::Relaxed);
        s.chunk.store(chunk, Ordering::Relaxed);
        s.next.store(0, Ordering::Relaxed);
        s.status.store(0, Ordering::Relaxed);
        s.pending.store(self.workers.len(), Ordering::Relaxed);
        s.generation.fetch_add(1, Ordering::Release);
        {
            // Sleeping workers wake; spinning ones see the generation without this.
            let _g = s.sleep.lock().unwrap_or_else(|p| p.into_inner());
            s.wake.notify_all();
        }
        s.work();
        while s.pending.load(Ordering::Acquire) != 0 {
            std::hint::spin_loop();
        }
        unsafe { *s.job.get() = None };
        s.status.load(Ordering::Relaxed)
    }
}

fn worker(s: &Shared) {
    let mut seen = 0u64;
    loop {
        // Spin, then sleep, until a new generation.
        let start = Instant::now();
        let mut spins = 0u32;
        loop {
            let g = s.generation.load(Ordering::Acquire);
            if g != seen {
                seen = g;
                break;
            }
            spins = spins.wrapping_add(1);
            if spins.is_multiple_of(64) && start.elapsed() > SPIN {
                let guard = s.sleep.lock().unwrap_or_else(|p| p.into_inner());
                if s.generation.load(Ordering::Acquire) == seen {
                    let _unused = s.wake.wait(guard);
                }
            } else {
                std::hint::spin_loop();
            }
        }
        if s.stop.load(Ordering::Acquire) {
            return;
        }
        s.work();
        s.pending.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        self.shared.generation.fetch_add(1, Ordering::Release);
        {
            let _g = self.shared.sleep.lock().unwrap_or_else(|p| p.into_inner());
            self.shared.wake.notify_all();
        }
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_workgroup_runs_once_and_failures_are_reported() {
        let pool = Pool::new(3).unwrap();
        for total in [0u64, 1, 2, 7, 100, 1000] {
            let hits: Vec<AtomicU64> = (0..total).map(|_| AtomicU64::new(0)).collect();
            let status = pool.run(total, &|a, b| {
                for i in a..b {
                    hits[i as usize].fetch_add(1, Ordering::Relaxed);
                }
                0
            });
            assert_eq!(status, 0);
            assert!(
                hits.iter().all(|h| h.load(Ordering::Relaxed) == 1),
                "{total}"
            );
        }
        let status = pool.run(50, &|a, b| if (a..b).contains(&17) { 3 } else { 0 });
        assert_eq!(status, 3);
        // And it keeps working after a failure, and after its workers fell asleep.
        std::thread::sleep(SPIN * 3);
        let count = AtomicU64::new(0);
        assert_eq!(
            pool.run(64, &|a, b| {
                count.fetch_add(b - a, Ordering::Relaxed);
                0
            }),
            0
        );
        assert_eq!(count.load(Ordering::Relaxed), 64);
    }
}
