// Outbound webhook endpoints and their deliveries (contract section 11): thin,
// over src/outbound/. The caller's scope is decided by endpointScope, in the
// shield rules and again here; every statement carries it, so an id of
// another organisation or scope is not found, never shown.
import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { badInput, DomainError, forbidden } from '../../errors';
import { endpointScope, eventTypesOf, managedScope, type EndpointScope } from '../../outbound/endpoint-access';
import { listDeliveries, MAX_DELIVERIES_LISTED, queueTestDelivery, redeliver, type DeliveryRecord } from '../../outbound/delivery-store';
import {
  createEndpoint,
  deleteEndpoint,
  findEndpoint,
  listEndpoints,
  rotateEndpointSecret,
  TooManyEndpointsError,
  updateEndpoint,
  type EndpointRecord,
} from '../../outbound/endpoint-store';
import type { EngagementType } from '../../outbound/event-body';
import { ENGAGEMENT_TYPES } from '../../outbound/event-body';
import { checkTargetNow } from '../../outbound/target-guard';
import { viewerOf, type Context } from '../context';
import { SettingsScope } from '../types/email-settings.type';
import {
  DeliveryStatus,
  EngagementEventType,
  WebhookDeliveryType,
  WebhookEndpointType,
  WebhookEndpointWithSecretType,
} from '../types/webhook-endpoint.type';

const SCOPE_ARG = { nullable: true, defaultValue: SettingsScope.ORG };
const DEFAULT_DELIVERIES = 50;

const notFound = () => new DomainError('NOT_FOUND', 'No webhook endpoint with this id in your scope');

function scopeFor(context: Context, requested: SettingsScope | null): EndpointScope {
  const scope = endpointScope(viewerOf(context), requested ?? SettingsScope.ORG);
  if (!scope) throw forbidden(requested === SettingsScope.TEAM ? "Only a partner manages its own team's webhook endpoints" : "Only owners, admins and services manage the organisation's webhook endpoints");
  return scope;
}

function managed(context: Context): EndpointScope {
  const scope = managedScope(viewerOf(context));
  if (!scope) throw forbidden('Not allowed to manage webhook endpoints');
  return scope;
}

const endpointType = (record: EndpointRecord): WebhookEndpointType => ({
  id: record.id,
  scope: record.teamId === '' ? SettingsScope.ORG : SettingsScope.TEAM,
  url: record.url,
  events: (record.events ?? [...ENGAGEMENT_TYPES]) as EngagementEventType[],
  humanOnly: record.humanOnly,
  enabled: record.enabled,
  disabledReason: record.disabledReason,
  createdAt: record.createdAt,
});

const deliveryType = (record: DeliveryRecord): WebhookDeliveryType => ({
  ...record,
  type: record.type as EngagementEventType,
  status: record.status as DeliveryStatus,
});

function eventsArg(events: EngagementEventType[] | null | undefined): EngagementType[] | null {
  if (events?.includes(EngagementEventType.TEST)) throw badInput('events cannot hold TEST: every endpoint can be sent a test event');
  const checked = eventTypesOf(events as EngagementType[] | null | undefined);
  if ('problem' in checked) throw badInput(checked.problem);
  return checked.events;
}

async function targetArg(context: Context, url: string): Promise<string> {
  const checked = await checkTargetNow(url, context.app.config.webhookAllowPrivate);
  if ('problem' in checked) throw badInput(checked.problem);
  return checked.url.toString();
}

@Resolver()
export class WebhookEndpointResolver {
  @Query(() => [WebhookEndpointType], { description: "The outbound webhook endpoints of the organisation (ORG) or of the caller's partner team (TEAM), oldest first" })
  async webhookEndpoints(@Arg('scope', () => SettingsScope, SCOPE_ARG) scope: SettingsScope | null, @Ctx() context: Context): Promise<WebhookEndpointType[]> {
    return (await listEndpoints(context.app.db, scopeFor(context, scope))).map(endpointType);
  }

  @Query(() => [WebhookDeliveryType], { description: `An endpoint's deliveries, newest first (limit 1 to ${MAX_DELIVERIES_LISTED})` })
  async webhookDeliveries(
    @Arg('endpointId', () => ID) endpointId: string,
    @Arg('status', () => DeliveryStatus, { nullable: true }) status: DeliveryStatus | null | undefined,
    @Arg('limit', () => Int, { nullable: true, defaultValue: DEFAULT_DELIVERIES }) limit: number | null,
    @Ctx() context: Context,
  ): Promise<WebhookDeliveryType[]> {
    const scope = managed(context);
    const size = limit ?? DEFAULT_DELIVERIES;
    if (!Number.isInteger(size) || size < 1 || size > MAX_DELIVERIES_LISTED) throw badInput(`limit must be between 1 and ${MAX_DELIVERIES_LISTED}`);
    const endpoint = await findEndpoint(context.app.db, scope, endpointId);
    if (!endpoint) throw notFound();
    return (await listDeliveries(context.app.db, scope.orgId, endpoint.id, status ?? null, size)).map(deliveryType);
  }

  @Mutation(() => WebhookEndpointWithSecretType, { description: 'Adds an endpoint; its signing secret is in the answer and never shown again' })
  async createWebhookEndpoint(
    @Arg('url', () => String) url: string,
    @Arg('scope', () => SettingsScope, SCOPE_ARG) scope: SettingsScope | null,
    @Arg('events', () => [EngagementEventType], { nullable: true, description: 'absent: every type' }) events: EngagementEventType[] | null | undefined,
    @Arg('humanOnly', () => Boolean, { nullable: true, defaultValue: false }) humanOnly: boolean | null,
    @Ctx() context: Context,
  ): Promise<WebhookEndpointWithSecretType> {
    const owner = scopeFor(context, scope);
    const settings = { url: await targetArg(context, url), events: eventsArg(events), humanOnly: humanOnly ?? false };
    try {
      const { endpoint, secret } = await createEndpoint(context.app.db, context.app.config.secretsEncryptionKey, owner, settings);
      return { endpoint: endpointType(endpoint), secret };
    } catch (error) {
      if (error instanceof TooManyEndpointsError) throw badInput(error.message);
      throw error;
    }
  }

  @Mutation(() => WebhookEndpointType, { description: 'Changes what is given; enabled: true turns an endpoint back on (also after a 410)' })
  async updateWebhookEndpoint(
    @Arg('id', () => ID) id: string,
    @Arg('url', () => String, { nullable: true }) url: string | null | undefined,
    @Arg('events', () => [EngagementEventType], { nullable: true, description: 'absent: unchanged; null: every type' }) events: EngagementEventType[] | null | undefined,
    @Arg('humanOnly', () => Boolean, { nullable: true }) humanOnly: boolean | null | undefined,
    @Arg('enabled', () => Boolean, { nullable: true }) enabled: boolean | null | undefined,
    @Ctx() context: Context,
  ): Promise<WebhookEndpointType> {
    const scope = managed(context);
    const changes = {
      url: url == null ? undefined : await targetArg(context, url),
      events: events === undefined ? undefined : eventsArg(events),
      humanOnly: humanOnly ?? undefined,
      enabled: enabled ?? undefined,
    };
    const updated = await updateEndpoint(context.app.db, scope, id, changes);
    if (!updated) throw notFound();
    return endpointType(updated);
  }

  @Mutation(() => WebhookEndpointWithSecretType, { description: 'A new signing secret, shown once; the old one keeps signing beside it for 24 hours' })
  async rotateWebhookSecret(@Arg('id', () => ID) id: string, @Ctx() context: Context): Promise<WebhookEndpointWithSecretType> {
    const rotated = await rotateEndpointSecret(context.app.db, context.app.config.secretsEncryptionKey, managed(context), id);
    if (!rotated) throw notFound();
    return { endpoint: endpointType(rotated.endpoint), secret: rotated.secret };
  }

  @Mutation(() => Boolean, { description: 'Deletes the endpoint and its delivery records; true when it existed' })
  async deleteWebhookEndpoint(@Arg('id', () => ID) id: string, @Ctx() context: Context): Promise<boolean> {
    if (!(await deleteEndpoint(context.app.db, managed(context), id))) throw notFound();
    return true;
  }

  @Mutation(() => WebhookDeliveryType, { description: 'Sends a delivery again (same webhook-id and body), from now, retried for another 24 hours' })
  async redeliverWebhook(@Arg('deliveryId', () => ID) deliveryId: string, @Ctx() context: Context): Promise<WebhookDeliveryType> {
    const record = await redeliver(context.app.db, managed(context), deliveryId);
    if (!record) throw new DomainError('NOT_FOUND', 'No webhook delivery with this id in your scope');
    context.app.outbound.nudge('claim');
    return deliveryType(record);
  }

  @Mutation(() => WebhookDeliveryType, { description: 'Queues an email.test event (data: {endpointId}) for the endpoint, delivered like the others' })
  async sendTestWebhook(@Arg('id', () => ID) id: string, @Ctx() context: Context): Promise<WebhookDeliveryType> {
    const scope = managed(context);
    const endpoint = await findEndpoint(context.app.db, scope, id);
    if (!endpoint) throw notFound();
    const record = await queueTestDelivery(context.app.db, scope.orgId, endpoint.id);
    context.app.outbound.nudge('claim');
    return deliveryType(record);
  }
}
