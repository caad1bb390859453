// A recipient as the CRM knows it, with its suppression state and tracking consent.
import { Column, Entity, PrimaryColumn } from 'typeorm';

export type ContactStatus = 'ACTIVE' | 'BOUNCED' | 'COMPLAINED' | 'UNSUBSCRIBED' | 'ERASED';
export type EnrollmentStatus = 'ACTIVE' | 'UNENROLLED';

@Entity('contacts')
export class ContactRow {
  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId!: string;

  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  email!: string;

  @Column({ type: 'text' })
  status!: ContactStatus;

  @Column({ name: 'status_changed_at', type: 'timestamptz', nullable: true })
  statusChangedAt!: Date | null;

  /** false: no open or click of any of its emails is recorded, and new ones are sent untracked */
  @Column({ name: 'tracking_consent', type: 'boolean' })
  trackingConsent!: boolean;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

@Entity('enrollments')
export class EnrollmentRow {
  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId!: string;

  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ name: 'contact_id', type: 'text' })
  contactId!: string;

  @Column({ name: 'campaign_id', type: 'text', nullable: true })
  campaignId!: string | null;

  @Column({ type: 'text' })
  status!: EnrollmentStatus;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
