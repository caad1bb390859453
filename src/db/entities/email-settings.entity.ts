// Per-organisation (team_id '') and per-team settings; the key column holds
// AES-256-GCM ciphertext and is never selected into an API response.
import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('email_settings')
export class EmailSettingsRow {
  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId!: string;

  @PrimaryColumn({ name: 'team_id', type: 'text' })
  teamId!: string;

  @Column({ name: 'mailgun_signing_key_enc', type: 'bytea', nullable: true, select: false })
  mailgunSigningKeyEnc!: Buffer | null;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
