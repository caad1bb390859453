// Campaigns and templates: CRM ids with a display name upserted on each send.
import { Column, Entity, PrimaryColumn } from 'typeorm';

abstract class NamedRow {
  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId!: string;

  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text', nullable: true })
  name!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

@Entity('campaigns')
export class CampaignRow extends NamedRow {}

@Entity('templates')
export class TemplateRow extends NamedRow {}
