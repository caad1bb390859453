// Entities for the plain tables. Raw events and stats are read and written
// with reviewed SQL instead (src/events, src/stats).
import { ContactRow, EnrollmentRow } from './contact.entity';
import { EmailSettingsRow } from './email-settings.entity';
import { CampaignRow, TemplateRow } from './named.entity';
import { SendLinkRow, SendRow } from './send.entity';

export { CampaignRow, ContactRow, EmailSettingsRow, EnrollmentRow, SendLinkRow, SendRow, TemplateRow };
export const entities = [CampaignRow, TemplateRow, ContactRow, EnrollmentRow, SendRow, SendLinkRow, EmailSettingsRow];
