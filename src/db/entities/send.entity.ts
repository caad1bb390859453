// One instrumented (or merely recorded) email and its counters, kept forever.
import { Column, Entity, PrimaryColumn } from 'typeorm';

export type SendStatus = 'SENT' | 'DEFERRED' | 'FAILED';

@Entity('sends')
export class SendRow {
  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId!: string;

  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'sent_at', type: 'timestamptz' })
  sentAt!: Date;

  @Column({ name: 'sender_id', type: 'text' })
  senderId!: string;

  @Column({ name: 'sender_team_id', type: 'text', nullable: true })
  senderTeamId!: string | null;

  @Column({ name: 'contact_id', type: 'text' })
  contactId!: string;

  @Column({ name: 'recipient_email', type: 'text' })
  recipientEmail!: string;

  @Column({ type: 'text', nullable: true })
  subject!: string | null;

  @Column({ name: 'campaign_id', type: 'text', nullable: true })
  campaignId!: string | null;

  @Column({ name: 'template_id', type: 'text', nullable: true })
  templateId!: string | null;

  @Column({ name: 'enrollment_id', type: 'text', nullable: true })
  enrollmentId!: string | null;

  @Column({ name: 'step_index', type: 'integer', nullable: true })
  stepIndex!: number | null;

  @Column({ name: 'message_id', type: 'text', nullable: true })
  messageId!: string | null;

  @Column({ type: 'boolean' })
  tracked!: boolean;

  @Column({ name: 'tracked_links', type: 'integer' })
  trackedLinks!: number;

  @Column({ type: 'text' })
  status!: SendStatus;

  @Column({ name: 'status_changed_at', type: 'timestamptz', nullable: true })
  statusChangedAt!: Date | null;

  @Column({ type: 'integer' })
  opens!: number;

  @Column({ type: 'integer' })
  clicks!: number;

  @Column({ name: 'mpp_opens', type: 'integer' })
  mppOpens!: number;

  @Column({ name: 'first_opened_at', type: 'timestamptz', nullable: true })
  firstOpenedAt!: Date | null;

  @Column({ name: 'last_opened_at', type: 'timestamptz', nullable: true })
  lastOpenedAt!: Date | null;

  @Column({ name: 'last_clicked_at', type: 'timestamptz', nullable: true })
  lastClickedAt!: Date | null;
}

@Entity('send_links')
export class SendLinkRow {
  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId!: string;

  @PrimaryColumn({ name: 'send_id', type: 'uuid' })
  sendId!: string;

  @PrimaryColumn({ type: 'integer' })
  position!: number;

  @Column({ type: 'text' })
  url!: string;

  @Column({ type: 'integer' })
  clicks!: number;

  @Column({ name: 'unique_clickers', type: 'integer' })
  uniqueClickers!: number;

  @Column({ name: 'first_clicked_at', type: 'timestamptz', nullable: true })
  firstClickedAt!: Date | null;

  @Column({ name: 'last_clicked_at', type: 'timestamptz', nullable: true })
  lastClickedAt!: Date | null;
}
