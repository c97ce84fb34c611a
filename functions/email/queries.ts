// Storage of inbound mail (migrations/0003_reports.sql: inbound_emails).

export async function storeInboundEmail(
  db: D1Database,
  m: { messageId: string; from: string; to: string; subject: string | null; rawSize: number; raw: string; now: Date },
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO inbound_emails (id, message_id, mail_from, rcpt_to, subject, raw_size, raw, received_at)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (message_id) DO NOTHING`,
    )
    .bind(crypto.randomUUID(), m.messageId, m.from, m.to, m.subject, m.rawSize, m.raw, m.now.toISOString())
    .run();
}

export async function markInboundEmailProcessed(db: D1Database, messageId: string): Promise<void> {
  await db.prepare("UPDATE inbound_emails SET state = 'processed' WHERE message_id = ?1").bind(messageId).run();
}
