// What a ping does, apart from HTTP: it is recorded (with its bounded body), it may change the
// heartbeat's status (a success recovers it, a failure takes it down at once), and afterwards
// the change's effects are carried out and assurance records the heartbeat.
import { recordCheckFailure, recordCheckSuccess } from "../assurance/queries";
import type { Heartbeat, MonitorsConfig } from "./config.pure";
import { commitEvaluation } from "./commit";
import { dispatchTransitions, type DispatchServices } from "./dispatch";
import { sanitizePingBody, type PingAction } from "./heartbeat.pure";
import { ensureStateStatement, insertPingStatement, loadState, prunePingsStatement } from "./queries";
import { evaluateObservation, heartbeatDefinition, recordPing } from "./watch.pure";

export interface ReceivedPing {
  transitionId: string | null;
  reason: string;
}

function pingReason(action: PingAction, body: string): string {
  const firstLine = body.split("\n").find((l) => l.trim() !== "")?.trim().slice(0, 200);
  const said = firstLine ? ` It said: "${firstLine}"` : "";
  if (action.kind === "success") return `A success ping came in.${said}`;
  if (action.kind === "start") return "A run started.";
  if (action.exitStatus !== null) return `The job exited with status ${action.exitStatus}.${said}`;
  return `The job reported a failure.${said}`;
}

export async function recordHeartbeatPing(db: D1Database, heartbeat: Heartbeat, action: PingAction, rawBody: string, sender: string | null, now: Date): Promise<ReceivedPing> {
  const { body } = sanitizePingBody(rawBody);
  const reason = pingReason(action, body);
  const ping = [
    insertPingStatement(db, {
      heartbeatId: heartbeat.id,
      kind: action.kind,
      exitStatus: action.exitStatus,
      at: now,
      body: body || null,
      bodyBytes: new TextEncoder().encode(rawBody).byteLength,
      clientHash: sender,
    }),
    prunePingsStatement(db, heartbeat.id),
  ];
  // A concurrent ping or cron run may write the state between our read and our write: then
  // read it again (the ping itself was stored with the first attempt).
  for (let attempt = 0; attempt < 3; attempt++) {
    let state = await loadState(db, "heartbeat", heartbeat.id);
    if (!state) {
      await ensureStateStatement(db, "heartbeat", heartbeat.id, now).run();
      state = (await loadState(db, "heartbeat", heartbeat.id))!;
    }
    const pinged = recordPing(state, action, now);
    const ev =
      pinged.observation && heartbeat.enabled
        ? evaluateObservation(pinged.state, heartbeatDefinition(heartbeat), pinged.observation, reason, now)
        : { next: { ...pinged.state, seq: state.seq + 1 }, plan: null };
    const committed = await commitEvaluation(db, state, ev, reason, now, attempt === 0 ? ping : []);
    if (committed.won) return { transitionId: committed.transitionId, reason };
  }
  throw new Error(`heartbeat ${heartbeat.id}: the state kept changing under three attempts to record a ping`);
}

/** Assurance, and the effects of a status change the ping caused (when there was one). */
export async function afterPing(s: DispatchServices, config: MonitorsConfig, heartbeat: Heartbeat, action: PingAction, received: ReceivedPing, now: Date): Promise<void> {
  if (action.kind === "success") await recordCheckSuccess(s.db, `heartbeat:${heartbeat.id}`, now, { kind: action.kind });
  if (action.kind === "fail") await recordCheckFailure(s.db, `heartbeat:${heartbeat.id}`, now, received.reason);
  if (received.transitionId) await dispatchTransitions(s, now, { watch: { source: "heartbeat", watchId: heartbeat.id }, config });
}
