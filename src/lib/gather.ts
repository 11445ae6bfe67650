/**
 * Work that a burst of requests in one isolate can do once: what is offered within `ms` of the
 * first offer is merged into it and done once, under the first request's waitUntil (the others
 * return at once). `merge` folds an offer into the open one, or answers false when it cannot take
 * it (a size cap), which opens the next. Work that is lost with the isolate must be repaired by
 * a job anyway (the outbox relay, the SLA cron), as for one request's own.
 */
export function gatherBriefly<T>(
  ms: number,
  merge: (open: T, offer: T) => boolean,
  flush: (gathered: T) => Promise<unknown>,
): (offer: T, waitUntil: (p: Promise<unknown>) => void) => void {
  let open: { value: T } | null = null;
  return (offer, waitUntil) => {
    if (open && merge(open.value, offer)) return;
    const group = { value: offer };
    open = group;
    waitUntil(
      new Promise((resolve) => setTimeout(resolve, ms))
        .then(() => {
          if (open === group) open = null;
          return flush(group.value);
        })
        .catch(() => undefined),
    );
  };
}
