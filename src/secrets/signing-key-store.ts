// Reads and writes the Mailgun signing key of one email_settings row. The key
// goes in sealed (secret-box.ts) and never comes back out through here: the
// API learns only whether one is set and when the row last changed.
import type { DataSource } from 'typeorm';
import { sealSecret, signingKeyContext } from './secret-box';
import type { SettingsOwner } from './signing-key-rules';

export interface SigningKeyState {
  keySet: boolean;
  /** null when the row was never written */
  updatedAt: Date | null;
}

interface StateRow {
  key_set: boolean;
  updated_at: Date;
}

const toState = (row: StateRow | undefined): SigningKeyState =>
  row ? { keySet: row.key_set, updatedAt: row.updated_at } : { keySet: false, updatedAt: null };

export async function readSigningKeyState(db: DataSource, owner: SettingsOwner): Promise<SigningKeyState> {
  const rows: StateRow[] = await db.query(
    `SELECT mailgun_signing_key_enc IS NOT NULL AS key_set, updated_at
     FROM email_settings WHERE org_id = $1 AND team_id = $2`,
    [owner.orgId, owner.teamId],
  );
  return toState(rows[0]);
}

// The upserts below take updated_at from the proposed row (EXCLUDED): on
// Citus the DO UPDATE runs on the worker holding the row, which refuses now().

/** Seals the key for its row and stores it, replacing any previous one. */
export async function storeSigningKey(db: DataSource, encryptionKey: Buffer, owner: SettingsOwner, key: string): Promise<SigningKeyState> {
  const sealed = sealSecret(encryptionKey, key, signingKeyContext(owner.orgId, owner.teamId));
  const rows: StateRow[] = await db.query(
    `INSERT INTO email_settings (org_id, team_id, mailgun_signing_key_enc, updated_at)
     VALUES ($1, $2, $3, now())
     ON CONFLICT (org_id, team_id) DO UPDATE
       SET mailgun_signing_key_enc = EXCLUDED.mailgun_signing_key_enc, updated_at = EXCLUDED.updated_at
     RETURNING true AS key_set, updated_at`,
    [owner.orgId, owner.teamId, sealed],
  );
  return toState(rows[0]);
}

/** Removes the key: the row's events fall back to the next key in line. */
export async function clearSigningKey(db: DataSource, owner: SettingsOwner): Promise<SigningKeyState> {
  const rows: StateRow[] = await db.query(
    `INSERT INTO email_settings (org_id, team_id, mailgun_signing_key_enc, updated_at)
     VALUES ($1, $2, NULL, now())
     ON CONFLICT (org_id, team_id) DO UPDATE SET mailgun_signing_key_enc = NULL, updated_at = EXCLUDED.updated_at
     RETURNING false AS key_set, updated_at`,
    [owner.orgId, owner.teamId],
  );
  return toState(rows[0]);
}
