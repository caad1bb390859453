// Mutation.instrumentEmail: the CRM hands over an email before sending it and
// gets it back instrumented, with the send recorded (src/instrument/).
import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { instrumentEmail } from '../../instrument/instrumenter';
import { viewerOf, type Context } from '../context';
import { InstrumentEmailInput } from '../types/instrument-email.input';
import { InstrumentedEmailType } from '../types/instrumented-email.type';

@Resolver()
export class InstrumentResolver {
  @Mutation(() => InstrumentedEmailType, {
    description: 'Records one send and returns the email with tracked links and the open pixel (when tracking applies)',
  })
  instrumentEmail(
    @Arg('input', () => InstrumentEmailInput) input: InstrumentEmailInput,
    @Ctx() context: Context,
  ): Promise<InstrumentedEmailType> {
    return instrumentEmail(context.app, viewerOf(context), input);
  }
}
