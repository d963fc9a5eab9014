use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use cognate_wire::RequestContext;

/// Runs a future that never waits on I/O (the test services answer at once) without an
/// async runtime.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}

pub fn ctx() -> RequestContext {
    RequestContext {
        request_id: "req-1".to_string(),
        now_ms: 1_700_000_000_000,
        region: "us-east-1".to_string(),
        caller: None,
        source_ip: None,
    }
}
