//! Writing an image's layers several at once: a layer's reading, tarring and hashing run on one
//! thread and its compression on a few, so one layer leaves a core idle at its start and end; a
//! few layers in flight keep every core busy across layer boundaries. The results come back in
//! layer order, and the bytes of each layer do not depend on what else runs beside it, so the
//! image is the one a build writing one layer at a time makes.
//!
//! Knows nothing of tar, compression or the image's format: it runs the caller's work.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

/// Layers written at once: `requested`, or when that is 0 one a core, at least two (a layer's
/// tar thread and its compressors take turns) and at most four (each layer in flight holds a few
/// megabytes of chunks).
pub(crate) fn jobs(requested: usize) -> usize {
    if requested > 0 { requested } else { super::compress::workers().clamp(2, 4) }
}

/// `work(index, item)` for every item, up to `jobs` at once (items start in order), and the
/// results in item order. After a failure no new item starts, and those already started finish;
/// the error returned is that of the first item in order that failed, the one a run of one item
/// at a time would have stopped at. With `jobs` 1 the items run one after another on this thread.
pub(crate) fn in_order<T, R, E>(
    items: Vec<T>,
    jobs: usize,
    work: impl Fn(usize, T) -> Result<R, E> + Sync,
) -> Result<Vec<R>, E>
where
    T: Send,
    R: Send,
    E: Send,
{
    let jobs = jobs.clamp(1, items.len().max(1));
    if jobs == 1 {
        return items.into_iter().enumerate().map(|(index, item)| work(index, item)).collect();
    }
    let results: Mutex<Vec<Option<Result<R, E>>>> = Mutex::new(items.iter().map(|_| None).collect());
    let queue = Mutex::new(items.into_iter().enumerate());
    let failed = AtomicBool::new(false);
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                while !failed.load(Ordering::SeqCst) {
                    let next = queue.lock().unwrap_or_else(PoisonError::into_inner).next();
                    let Some((index, item)) = next else { break };
                    let result = work(index, item);
                    if result.is_err() {
                        failed.store(true, Ordering::SeqCst);
                    }
                    results.lock().unwrap_or_else(PoisonError::into_inner)[index] = Some(result);
                }
            });
        }
    });
    let results = results.into_inner().unwrap_or_else(PoisonError::into_inner);
    // Items start in order, so every item before a failed one has run: the first error in order
    // comes before any item that did not start.
    let mut done = Vec::with_capacity(results.len());
    for result in results.into_iter().flatten() {
        done.push(result?);
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::time::{Duration, Instant};

    #[test]
    fn results_come_back_in_item_order_with_jobs_running_at_once() {
        let running = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        // Early items take longest, so later ones finish first.
        let items: Vec<u64> = (0..12).collect();
        let deadline = Instant::now() + Duration::from_secs(10);
        let squares = in_order(items, 3, |index, item| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            // The first three wait for each other: three jobs run them at once.
            while index < 3 && most.load(Ordering::SeqCst) < 3 && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(1));
            }
            std::thread::sleep(Duration::from_millis(5 * (12 - item)));
            running.fetch_sub(1, Ordering::SeqCst);
            Ok::<_, String>((index, item * item))
        })
        .expect("no failure");
        assert_eq!(squares, (0..12).map(|i| (i as usize, i * i)).collect::<Vec<_>>());
        assert_eq!(most.load(Ordering::SeqCst), 3, "three at once, never more");
    }

    #[test]
    fn the_first_failure_in_order_is_returned_and_no_item_starts_after_one() {
        let started = Mutex::new(Vec::new());
        let failed_four = AtomicBool::new(false);
        let deadline = Instant::now() + Duration::from_secs(10);
        // Item 4 fails at once; item 2 fails later, once item 4's failure is known.
        let result = in_order((0..40).collect(), 3, |index, item: u32| {
            started.lock().expect("lock").push(index);
            match item {
                2 => {
                    while !failed_four.load(Ordering::SeqCst) && Instant::now() < deadline {
                        std::thread::sleep(Duration::from_millis(1));
                    }
                    Err(format!("item {item}"))
                }
                4 => {
                    failed_four.store(true, Ordering::SeqCst);
                    Err(format!("item {item}"))
                }
                _ => {
                    std::thread::sleep(Duration::from_millis(1));
                    Ok(item)
                }
            }
        });
        assert_eq!(result, Err("item 2".to_string()), "as a one-at-a-time run reports");
        let started = started.into_inner().expect("lock");
        assert!(started.len() < 40, "items stopped starting: {started:?}");
        assert!(started.contains(&2) && started.contains(&4));
    }

    #[test]
    fn one_job_runs_items_one_after_another_and_stops_at_the_first_failure() {
        let thread = std::thread::current().id();
        let started = Mutex::new(Vec::new());
        let result = in_order((0..10).collect(), 1, |index, item: u32| {
            assert_eq!(std::thread::current().id(), thread, "on the caller's thread");
            started.lock().expect("lock").push(index);
            if item == 3 { Err("three") } else { Ok(item) }
        });
        assert_eq!(result, Err("three"));
        assert_eq!(started.into_inner().expect("lock"), vec![0, 1, 2, 3]);
        assert_eq!(in_order(Vec::<u32>::new(), 4, |_, item| Ok::<_, ()>(item)), Ok(vec![]));
    }
}
