import { DurableObject } from "cloudflare:workers";

/**
 * A small element manager for local development and tests: OLT nodes with their VLAN ranges,
 * ONTs on their ports (discovered, or provisioned for a subscriber), VLANs configured on nodes
 * and the CPEs behind subscribers. One instance holds the whole model in its SQLite storage and
 * seeds the same demo network on first use. Faults can be injected per operation: an error
 * answer (nothing applied), a slow answer (the caller's timeout fires), or a malformed answer.
 */
export type SimulatorFault = {
  operation: string;
  kind: "error" | "timeout" | "malformed";
  times?: number;
  delay_ms?: number;
};

export type SimulatorAnswer = { status: 200; value: unknown } | { status: 404 | 409 | 500 | 503; message: string };

const T0 = "2026-11-01T08:00:00.000Z";

interface OntRow extends Record<string, SqlStorageValue> {
  serial: string;
  node: string;
  port: string;
  model: string;
  discovered_at: string;
  subscriber_id: string | null;
  service_type: string | null;
  vlan: number | null;
  link: string;
  rx_power_dbm: number | null;
  tx_power_dbm: number | null;
  olt_rx_power_dbm: number | null;
  distance_m: number | null;
  last_change_at: string | null;
}

interface CpeRow extends Record<string, SqlStorageValue> {
  serial: string;
  model: string;
  subscriber_id: string | null;
  online: number;
  last_inform_at: string | null;
  uptime_seconds: number | null;
  wan_ip: string | null;
}

class Refused extends Error {
  constructor(
    readonly status: 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

export class ElementManagerSimulator extends DurableObject {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS nodes (name TEXT PRIMARY KEY, metro TEXT NOT NULL, vlan_min INTEGER NOT NULL, vlan_max INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS onts (serial TEXT PRIMARY KEY, node TEXT NOT NULL, port TEXT NOT NULL, model TEXT NOT NULL, discovered_at TEXT NOT NULL,
        subscriber_id TEXT UNIQUE, service_type TEXT, vlan INTEGER, link TEXT NOT NULL, rx_power_dbm REAL, tx_power_dbm REAL, olt_rx_power_dbm REAL, distance_m INTEGER, last_change_at TEXT);
      CREATE TABLE IF NOT EXISTS vlans (node TEXT NOT NULL, vlan INTEGER NOT NULL, service_type TEXT NOT NULL, subscriber_id TEXT, PRIMARY KEY (node, vlan));
      CREATE TABLE IF NOT EXISTS cpes (serial TEXT PRIMARY KEY, model TEXT NOT NULL, subscriber_id TEXT UNIQUE, online INTEGER NOT NULL, last_inform_at TEXT, uptime_seconds INTEGER, wan_ip TEXT);
      CREATE TABLE IF NOT EXISTS faults (id INTEGER PRIMARY KEY AUTOINCREMENT, operation TEXT NOT NULL, kind TEXT NOT NULL, remaining INTEGER NOT NULL, delay_ms INTEGER NOT NULL);`);
    if (this.sql.exec("SELECT count(*) AS n FROM nodes").one().n === 0) this.seed();
  }

  /** The demo network: three OLTs in two metros, three subscribers (one with weak light), five ONTs waiting, two leftover VLANs. */
  private seed() {
    const node = (name: string, metro: string, min: number, max: number) =>
      this.sql.exec("INSERT INTO nodes VALUES (?, ?, ?, ?)", name, metro, min, max);
    node("GBE-OLT-01", "GBE", 100, 199);
    node("GBE-OLT-02", "GBE", 200, 299);
    node("FRW-OLT-01", "FRW", 300, 399);
    const ont = (serial: string, nodeName: string, port: string, sub: [string, string, number] | null, rx: number) =>
      this.sql.exec(
        "INSERT INTO onts VALUES (?, ?, ?, 'HG8245H', ?, ?, ?, ?, 'up', ?, 2.1, ?, ?, ?)",
        serial,
        nodeName,
        port,
        T0,
        sub?.[0] ?? null,
        sub?.[1] ?? null,
        sub?.[2] ?? null,
        rx,
        rx - 1.2,
        1800 + serial.charCodeAt(serial.length - 1) * 10,
        T0,
      );
    ont("HWTC1A2B0001", "GBE-OLT-01", "0/1/1", ["SUB-100001", "internet", 101], -19.4);
    ont("HWTC1A2B0002", "FRW-OLT-01", "0/1/2", ["SUB-100002", "internet", 301], -21.0);
    ont("HWTC1A2B0003", "GBE-OLT-02", "0/2/1", ["SUB-100003", "internet", 201], -27.6);
    for (const [serial, nodeName, port] of [
      ["HWTC9F000011", "GBE-OLT-01", "0/1/3"],
      ["HWTC9F000012", "GBE-OLT-01", "0/1/4"],
      ["HWTC9F000013", "GBE-OLT-02", "0/2/2"],
      ["HWTC9F000021", "FRW-OLT-01", "0/1/5"],
      ["HWTC9F000022", "FRW-OLT-01", "0/1/6"],
    ]) {
      ont(serial, nodeName, port, null, -20.5);
    }
    const vlan = (nodeName: string, id: number, type: string, sub: string | null) =>
      this.sql.exec("INSERT INTO vlans VALUES (?, ?, ?, ?)", nodeName, id, type, sub);
    vlan("GBE-OLT-01", 101, "internet", "SUB-100001");
    vlan("FRW-OLT-01", 301, "internet", "SUB-100002");
    vlan("GBE-OLT-02", 201, "internet", "SUB-100003");
    vlan("GBE-OLT-01", 150, "business", null);
    vlan("GBE-OLT-01", 151, "iptv", null);
    const cpe = (serial: string, sub: string, online: number, ip: string | null) =>
      this.sql.exec(
        "INSERT INTO cpes VALUES (?, 'HomeHub 3000', ?, ?, ?, ?, ?)",
        serial,
        sub,
        online,
        T0,
        online ? 86_400 : null,
        ip,
      );
    cpe("HH3000-7781", "SUB-100001", 1, "100.64.1.17");
    cpe("HH3000-7782", "SUB-100002", 1, "100.64.3.9");
    cpe("HH3000-7783", "SUB-100003", 0, null);
  }

  // ---- set-up for tests and demos ----

  injectFault(fault: SimulatorFault) {
    this.sql.exec(
      "INSERT INTO faults (operation, kind, remaining, delay_ms) VALUES (?, ?, ?, ?)",
      fault.operation,
      fault.kind,
      fault.times ?? 1,
      fault.delay_ms ?? 30_000,
    );
  }

  clearFaults() {
    this.sql.exec("DELETE FROM faults");
  }

  addNode(node: { name: string; metro: string; vlan_min: number; vlan_max: number }) {
    this.sql.exec(
      "INSERT OR IGNORE INTO nodes VALUES (?, ?, ?, ?)",
      node.name,
      node.metro,
      node.vlan_min,
      node.vlan_max,
    );
  }

  /** An ONT plugged in and discovered on a node's port, waiting to be provisioned. */
  addOnt(ont: { serial: string; node: string; port?: string; rx_power_dbm?: number }) {
    const rx = ont.rx_power_dbm ?? -20;
    this.sql.exec(
      "INSERT OR IGNORE INTO onts VALUES (?, ?, ?, 'HG8245H', ?, NULL, NULL, NULL, 'up', ?, 2.1, ?, 2400, ?)",
      ont.serial,
      ont.node,
      ont.port ?? "0/1/1",
      T0,
      rx,
      rx - 1.2,
      T0,
    );
  }

  /** Answers one operation as the element manager would, after any fault injected for it. */
  async call(operation: string, args: unknown[]): Promise<SimulatorAnswer> {
    const fault = this.sql
      .exec<{ id: number; kind: string; delay_ms: number }>(
        "SELECT id, kind, delay_ms FROM faults WHERE (operation = ? OR operation = '*') AND remaining > 0 ORDER BY id LIMIT 1",
        operation,
      )
      .toArray()[0];
    if (fault) {
      this.sql.exec("UPDATE faults SET remaining = remaining - 1 WHERE id = ?", fault.id);
      if (fault.kind === "error") return { status: 503, message: "Simulated element manager failure" };
      if (fault.kind === "malformed") return { status: 200, value: { unexpected: "<html>gateway says hello</html>" } };
      // A slow answer: the caller gives up first; the request is then dropped, never applied.
      await scheduler.wait(fault.delay_ms);
      return { status: 503, message: "Simulated element manager timeout" };
    }
    try {
      return { status: 200, value: this.apply(operation, args) };
    } catch (err) {
      if (err instanceof Refused) return { status: err.status, message: err.message };
      throw err;
    }
  }

  private apply(operation: string, args: unknown[]): unknown {
    const [a, b, c] = args as [never, never, never];
    switch (operation) {
      case "listNodes":
        return this.sql.exec("SELECT name, metro, vlan_min, vlan_max FROM nodes ORDER BY name").toArray();
      case "linkCheck":
        return this.link(this.ont(a));
      case "unprovisionedOnts":
        return this.sql
          .exec(
            "SELECT serial, node, port, model, discovered_at FROM onts WHERE subscriber_id IS NULL AND (? IS NULL OR node = ?) ORDER BY node, port",
            a ?? null,
            a ?? null,
          )
          .toArray();
      case "availableVlans": {
        const node = this.node(a);
        const used = new Set(
          this.sql
            .exec<{ vlan: number }>("SELECT vlan FROM vlans WHERE node = ?", node.name)
            .toArray()
            .map((r) => r.vlan),
        );
        const free: number[] = [];
        for (let v = node.vlan_min; v <= node.vlan_max; v++) if (!used.has(v)) free.push(v);
        return free;
      }
      case "unusedVlans":
        return this.sql
          .exec(
            "SELECT node, vlan, service_type, subscriber_id FROM vlans WHERE subscriber_id IS NULL AND (? IS NULL OR node = ?) ORDER BY node, vlan",
            a ?? null,
            a ?? null,
          )
          .toArray();
      case "deleteVlans": {
        const node = this.node(a);
        const deleted: number[] = [];
        for (const v of b as number[]) {
          if (
            this.sql.exec("DELETE FROM vlans WHERE node = ? AND vlan = ? AND subscriber_id IS NULL", node.name, v)
              .rowsWritten
          )
            deleted.push(v);
        }
        return deleted;
      }
      case "createVlans": {
        const node = this.node(a);
        for (const v of c as number[]) {
          if (v < node.vlan_min || v > node.vlan_max)
            throw new Refused(409, `VLAN ${v} is outside ${node.name}'s range.`);
          if (this.sql.exec("SELECT 1 FROM vlans WHERE node = ? AND vlan = ?", node.name, v).toArray().length)
            throw new Refused(409, `VLAN ${v} already exists on ${node.name}.`);
        }
        for (const v of c as number[]) this.sql.exec("INSERT INTO vlans VALUES (?, ?, ?, NULL)", node.name, v, b);
        return (c as number[]).map((v) => ({ node: node.name, vlan: v, service_type: b, subscriber_id: null }));
      }
      case "provisionService":
        return this.provision(a);
      case "deleteOnt": {
        const ont = this.ont(a);
        this.sql.exec("DELETE FROM vlans WHERE node = ? AND subscriber_id = ?", ont.node, ont.subscriber_id);
        this.sql.exec("UPDATE cpes SET subscriber_id = NULL WHERE subscriber_id = ?", ont.subscriber_id);
        this.sql.exec(
          "UPDATE onts SET subscriber_id = NULL, service_type = NULL, vlan = NULL WHERE serial = ?",
          ont.serial,
        );
        return { serial: ont.serial, node: ont.node, freed_vlan: ont.vlan };
      }
      case "changeCpe":
        return this.changeCpe(a, b);
      case "searchSubscribers": {
        const q = (a as { q?: string; node?: string; vlan?: number }) ?? {};
        const text = q.q ? q.q.toUpperCase() : null;
        return this.sql
          .exec<OntRow>(
            `SELECT onts.* FROM onts LEFT JOIN cpes ON cpes.subscriber_id = onts.subscriber_id WHERE onts.subscriber_id IS NOT NULL
             AND (?1 IS NULL OR instr(upper(onts.subscriber_id), ?1) > 0 OR instr(upper(onts.serial), ?1) > 0 OR instr(upper(cpes.serial), ?1) > 0)
             AND (?2 IS NULL OR onts.node = ?2) AND (?3 IS NULL OR onts.vlan = ?3) ORDER BY onts.subscriber_id LIMIT 50`,
            text,
            q.node ?? null,
            q.vlan ?? null,
          )
          .toArray()
          .map((row) => this.subscriber(row));
      }
      case "lookupSubscriber": {
        const row = this.sql.exec<OntRow>("SELECT * FROM onts WHERE subscriber_id = ?", a).toArray()[0];
        return row ? this.subscriber(row) : null;
      }
      default:
        throw new Error(`Unknown simulator operation ${operation}`);
    }
  }

  private node(name: string) {
    const row = this.sql
      .exec<{ name: string; metro: string; vlan_min: number; vlan_max: number }>(
        "SELECT * FROM nodes WHERE name = ?",
        name,
      )
      .toArray()[0];
    if (!row) throw new Refused(404, `No node ${name}.`);
    return row;
  }

  private ont(serial: string) {
    const row = this.sql.exec<OntRow>("SELECT * FROM onts WHERE serial = ?", serial).toArray()[0];
    if (!row) throw new Refused(404, `No ONT ${serial}.`);
    return row;
  }

  private link(o: OntRow) {
    const up = o.link === "up";
    return {
      serial: o.serial,
      node: o.node,
      port: o.port,
      status: o.link,
      rx_power_dbm: up ? o.rx_power_dbm : null,
      tx_power_dbm: up ? o.tx_power_dbm : null,
      olt_rx_power_dbm: up ? o.olt_rx_power_dbm : null,
      distance_m: o.distance_m,
      last_change_at: o.last_change_at,
    };
  }

  private cpe(row: CpeRow | undefined) {
    if (!row) return null;
    return {
      serial: row.serial,
      model: row.model,
      online: row.online === 1,
      last_inform_at: row.last_inform_at,
      uptime_seconds: row.uptime_seconds,
      wan_ip: row.wan_ip,
    };
  }

  private subscriber(o: OntRow) {
    const cpe = this.sql.exec<CpeRow>("SELECT * FROM cpes WHERE subscriber_id = ?", o.subscriber_id).toArray()[0];
    return {
      subscriber_id: o.subscriber_id,
      ont_serial: o.serial,
      node: o.node,
      port: o.port,
      service_type: o.service_type,
      vlan: o.vlan,
      cpe: this.cpe(cpe),
    };
  }

  private provision(request: { ont_serial: string; subscriber_id: string; service_type: string; vlan: number }) {
    const ont = this.ont(request.ont_serial);
    const node = this.node(ont.node);
    const done = {
      ont_serial: ont.serial,
      node: ont.node,
      port: ont.port,
      subscriber_id: request.subscriber_id,
      service_type: request.service_type,
      vlan: request.vlan,
    };
    if (
      ont.subscriber_id === request.subscriber_id &&
      ont.service_type === request.service_type &&
      ont.vlan === request.vlan
    )
      return done;
    if (ont.subscriber_id) throw new Refused(409, `ONT ${ont.serial} already serves ${ont.subscriber_id}.`);
    if (this.sql.exec("SELECT 1 FROM onts WHERE subscriber_id = ?", request.subscriber_id).toArray().length)
      throw new Refused(409, `${request.subscriber_id} already has an ONT.`);
    if (request.vlan < node.vlan_min || request.vlan > node.vlan_max)
      throw new Refused(409, `VLAN ${request.vlan} is outside ${node.name}'s range.`);
    if (this.sql.exec("SELECT 1 FROM vlans WHERE node = ? AND vlan = ?", node.name, request.vlan).toArray().length)
      throw new Refused(409, `VLAN ${request.vlan} is already in use on ${node.name}.`);
    this.sql.exec(
      "INSERT INTO vlans VALUES (?, ?, ?, ?)",
      node.name,
      request.vlan,
      request.service_type,
      request.subscriber_id,
    );
    this.sql.exec(
      "UPDATE onts SET subscriber_id = ?, service_type = ?, vlan = ? WHERE serial = ?",
      request.subscriber_id,
      request.service_type,
      request.vlan,
      ont.serial,
    );
    return done;
  }

  private changeCpe(subscriberId: string, cpeSerial: string) {
    if (!this.sql.exec("SELECT 1 FROM onts WHERE subscriber_id = ?", subscriberId).toArray().length)
      throw new Refused(404, `No subscriber ${subscriberId}.`);
    const existing = this.sql.exec<CpeRow>("SELECT * FROM cpes WHERE serial = ?", cpeSerial).toArray()[0];
    if (existing?.subscriber_id && existing.subscriber_id !== subscriberId)
      throw new Refused(409, `CPE ${cpeSerial} belongs to ${existing.subscriber_id}.`);
    this.sql.exec(
      "UPDATE cpes SET subscriber_id = NULL WHERE subscriber_id = ? AND serial <> ?",
      subscriberId,
      cpeSerial,
    );
    this.sql.exec(
      "INSERT INTO cpes VALUES (?, 'HomeHub 3000', ?, 1, ?, 0, NULL) ON CONFLICT (serial) DO UPDATE SET subscriber_id = excluded.subscriber_id, online = 1, last_inform_at = excluded.last_inform_at",
      cpeSerial,
      subscriberId,
      new Date().toISOString(),
    );
    return this.cpe(this.sql.exec<CpeRow>("SELECT * FROM cpes WHERE serial = ?", cpeSerial).one());
  }
}
