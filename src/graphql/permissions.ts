// Who may call what: one graphql-shield map, deny by default. Shield guards the
// door; resolvers and SQL also scope every read by organisation and sender.
import { GraphQLError } from 'graphql';
import { allow, chain, deny, rule, shield } from 'graphql-shield';
import type { Context } from './context';
import { readsPrivacyAudit, seesWholeOrganisation } from '../auth/viewer';
import { forbidden, unauthenticated } from '../errors';
import { settingsOwner, type SettingsScope } from '../secrets/signing-key-rules';
import { endpointScope, managedScope } from '../outbound/endpoint-access';

export const isAuthenticated = rule({ cache: 'contextual' })((_parent, _args, context: Context) => {
  if (context.viewer) return true;
  const why = context.authProblem ?? 'send Authorization: Bearer <token>';
  return unauthenticated(`Authentication required: ${why}`);
});

/** ORG settings for owners and admins; TEAM settings for a partner's own team. */
const canManageSettings = rule({ cache: 'strict' })((_parent, args: { scope?: SettingsScope }, context: Context) =>
  settingsOwner(context.viewer, args.scope ?? 'ORG') ? true : forbidden('Not allowed to manage these settings'),
);
const managesSettings = chain(isAuthenticated, canManageSettings);

/** Consent and erasure: owner, admin and service (the CRM). */
const canManageContactPrivacy = rule({ cache: 'contextual' })((_parent, _args, context: Context) =>
  seesWholeOrganisation(context.viewer!) ? true : forbidden('Only owners, admins and services manage tracking consent and erasure'),
);
const managesContactPrivacy = chain(isAuthenticated, canManageContactPrivacy);
/** Their audit trail: owner and admin. */
const canReadPrivacyAudit = rule({ cache: 'contextual' })((_parent, _args, context: Context) =>
  readsPrivacyAudit(context.viewer!) ? true : forbidden('Only owners and admins read the privacy audit trail'),
);
const readsPrivacyAuditTrail = chain(isAuthenticated, canReadPrivacyAudit);

/** Outbound webhook endpoints: ORG for owners, admins and services; TEAM for a partner's own team. */
const canManageEndpointsIn = rule({ cache: 'strict' })((_parent, args: { scope?: SettingsScope }, context: Context) =>
  endpointScope(context.viewer, args.scope ?? 'ORG') ? true : forbidden('Not allowed to manage these webhook endpoints'),
);
const managesEndpointsIn = chain(isAuthenticated, canManageEndpointsIn);
/** By id: any scope the caller manages; the resolver finds the id in that scope or not at all. */
const canManageEndpoints = rule({ cache: 'contextual' })((_parent, _args, context: Context) =>
  managedScope(context.viewer) ? true : forbidden('Not allowed to manage webhook endpoints'),
);
const managesEndpoints = chain(isAuthenticated, canManageEndpoints);

// Feature modules add their fields here as they land.
export const permissions = shield(
  {
    Query: {
      viewer: isAuthenticated,
      send: isAuthenticated,
      contact: isAuthenticated,
      emailSettings: managesSettings,
      // Stats: every role; the SQL scopes by organisation and, for partner,
      // sales_rep and member, by sender (src/stats).
      overview: isAuthenticated,
      campaigns: isAuthenticated,
      templates: isAuthenticated,
      campaign: isAuthenticated,
      template: isAuthenticated,
      contactPrivacyActions: readsPrivacyAuditTrail,
      timeline: isAuthenticated,
      webhookEndpoints: managesEndpointsIn,
      webhookDeliveries: managesEndpoints,
      // Live activity: every role; the SQL and the hub scope by organisation and sender (src/live).
      activity: isAuthenticated,
      breakdown: isAuthenticated,
    },
    // Checked for each event the stream emits (graphql-middleware wraps the
    // field's resolve); the stream itself is opened only for an authenticated
    // caller (http/graphql-stream.ts refuses the others before it opens).
    Subscription: {
      activity: isAuthenticated,
    },
    Mutation: {
      setMailgunSigningKey: managesSettings,
      clearMailgunSigningKey: managesSettings,
      // Which sender a caller may name is decided by the instrumenter (src/instrument/instrumenter.ts).
      instrumentEmail: isAuthenticated,
      setContactTrackingConsent: managesContactPrivacy,
      forgetContact: managesContactPrivacy,
      createWebhookEndpoint: managesEndpointsIn,
      updateWebhookEndpoint: managesEndpoints,
      rotateWebhookSecret: managesEndpoints,
      deleteWebhookEndpoint: managesEndpoints,
      redeliverWebhook: managesEndpoints,
      sendTestWebhook: managesEndpoints,
    },
    Viewer: allow,
    // Reached only through a visible send (the loader scopes by org and sender).
    Send: allow,
    TrackingEvent: allow,
    // Reached only through a visible contact (the loader scopes by org and sender).
    Contact: allow,
    Enrollment: allow,
    // Reached only through contactPrivacyActions (owner and admin, scoped to the organisation in SQL).
    ContactPrivacyAction: allow,
    EmailSettings: allow,
    InstrumentedEmail: allow,
    // Reached only through the stats queries above, already scoped.
    EngagementStats: allow,
    Campaign: allow,
    Template: allow,
    TemplateRow: allow,
    LinkStat: allow,
    Recipient: allow,
    TimelinePoint: allow,
    // Reached only through the webhook fields above, scoped in SQL to the caller's organisation and scope.
    WebhookEndpoint: allow,
    WebhookEndpointWithSecret: allow,
    WebhookDelivery: allow,
    // Reached only through Query.activity and Subscription.activity, scoped in SQL and in the hub.
    ActivityEvent: allow,
    BreakdownRow: allow,
  },
  {
    fallbackRule: deny,
    fallbackError: () => new GraphQLError('Not allowed', { extensions: { code: 'FORBIDDEN' } }),
    // Errors thrown by resolvers (bad input, suppressed contact...) reach the
    // caller as they are instead of being replaced by the fallback error.
    allowExternalErrors: true,
  },
);
