import { DurableObject } from "cloudflare:workers";

export interface Audience {
  /** Users who may see the subject (creator, customer, assignees, their supervisors…). */
  userIds: string[];
  /** Whether connections of users who see everything (tickets:scope_all) get it too. */
  scopeAll: boolean;
}

interface Attachment {
  userId: string;
  scopeAll: boolean;
}

/**
 * NTF-4 / FW-2: the realtime hub. Connections use the WebSocket Hibernation API, so idle
 * sockets cost nothing and survive the object being evicted; each carries who its user is, and
 * `publish` sends an event only to connections whose user may see it.
 */
export class EventsHub extends DurableObject {
  override async fetch(request: Request): Promise<Response> {
    const userId = request.headers.get("x-user-id");
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket" || !userId)
      return new Response("expected a websocket upgrade", { status: 426 });
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server, [userId]);
    server.serializeAttachment({
      userId,
      scopeAll: request.headers.get("x-scope-all") === "true",
    } satisfies Attachment);
    server.send(JSON.stringify({ type: "connected", data: { user_id: userId } }));
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer) {
    // Clients only ping; anything else is ignored.
    if (message === "ping") ws.send("pong");
  }

  override async webSocketClose(ws: WebSocket, code: number) {
    // Complete the closing handshake; reserved codes (1005, 1006) cannot be sent back.
    try {
      ws.close(code >= 1000 && code < 5000 && code !== 1005 && code !== 1006 ? code : 1000, "closed");
    } catch {
      /* already closed */
    }
  }

  publish(event: { type: string; id: string; data: unknown }, audience: Audience): number {
    const allowed = new Set(audience.userIds);
    let sent = 0;
    const text = JSON.stringify(event);
    for (const ws of this.ctx.getWebSockets()) {
      const who = ws.deserializeAttachment() as Attachment | null;
      if (!who || !(allowed.has(who.userId) || (audience.scopeAll && who.scopeAll))) continue;
      try {
        ws.send(text);
        sent++;
      } catch {
        /* a socket that is closing */
      }
    }
    return sent;
  }

  connections(): number {
    return this.ctx.getWebSockets().length;
  }
}
