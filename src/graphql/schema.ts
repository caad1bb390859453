// Builds the executable schema: type-graphql classes, then the shield
// permissions on top. schema.graphql is printed from the same build.
import { GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { applyMiddleware } from 'graphql-middleware';
import { createPubSub } from '@graphql-yoga/subscription';
import { buildSchemaSync, type NonEmptyArray } from 'type-graphql';
import { permissions } from './permissions';
import { ActivityResolver } from './resolvers/activity.resolver';
import { CampaignResolver } from './resolvers/campaign.resolver';
import { ContactPrivacyResolver } from './resolvers/contact-privacy.resolver';
import { ContactResolver } from './resolvers/contact.resolver';
import { EmailSettingsResolver } from './resolvers/email-settings.resolver';
import { InstrumentResolver } from './resolvers/instrument.resolver';
import { OverviewResolver } from './resolvers/overview.resolver';
import { SendResolver } from './resolvers/send.resolver';
import { TemplateResolver } from './resolvers/template.resolver';
import { ViewerResolver } from './resolvers/viewer.resolver';
import { WebhookEndpointResolver } from './resolvers/webhook-endpoint.resolver';

// type-graphql takes resolver classes as plain constructors.
const resolvers: NonEmptyArray<Function> = [
  ViewerResolver,
  InstrumentResolver,
  SendResolver,
  ContactResolver,
  ContactPrivacyResolver,
  EmailSettingsResolver,
  OverviewResolver,
  CampaignResolver,
  TemplateResolver,
  WebhookEndpointResolver,
  ActivityResolver,
];

let built: GraphQLSchema | null = null;
let shielded: GraphQLSchema | null = null;

/** The schema without permissions: what schema.graphql shows. */
export function buildBareSchema(): GraphQLSchema {
  built ??= buildSchemaSync({
    resolvers,
    validate: false,
    scalarsMap: [{ type: Date, scalar: GraphQLDateTime }],
    orphanedTypes: [],
    // type-graphql 2.0 requires a PubSub (its documented one) once a schema
    // has a subscription, even when, as here, every subscription brings its
    // own subscribe function: the live activity hub (src/live/) is the pub/sub.
    pubSub: createPubSub(),
  });
  return built;
}

/** The schema with permissions, one for /graphql and /graphql/stream alike. */
export function buildGraphQLSchema(): GraphQLSchema {
  shielded ??= applyMiddleware(buildBareSchema(), permissions);
  return shielded;
}

export function printSchemaSdl(): string {
  return `${printSchema(lexicographicSortSchema(buildBareSchema()))}\n`;
}
