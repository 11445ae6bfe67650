import type { EventsHub } from "../durable-objects/events-hub";

/**
 * The deployment's one realtime hub; every publisher and the upgrade route reach it through this.
 * (Kept apart from the class so importing it does not pull in `cloudflare:workers`.)
 */
export function eventsHub(env: { EVENTS_HUB: DurableObjectNamespace<EventsHub> }) {
  return env.EVENTS_HUB.get(env.EVENTS_HUB.idFromName("global"));
}
