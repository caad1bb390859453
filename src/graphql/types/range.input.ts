// RangeInput and RangePreset (contract section 5): which sends, by send time.
import { Field, InputType, registerEnumType } from 'type-graphql';
import { RANGE_PRESETS, type RangePreset } from '../../stats/range';

// GraphQL enum values spelled exactly like the presets the stats module knows.
export const RangePresetEnum = Object.fromEntries(RANGE_PRESETS.map((preset) => [preset, preset])) as { [P in RangePreset]: P };
registerEnumType(RangePresetEnum, { name: 'RangePreset', description: 'A range that ends now' });

@InputType('RangeInput', {
  description:
    'Sends with from <= sentAt < to. Either a preset or from/to. from alone runs to now, to alone from the beginning. ' +
    'No range: the range of the list or parent the field was reached through, else LAST_30_DAYS.',
})
export class RangeInput {
  @Field(() => RangePresetEnum, { nullable: true })
  preset?: RangePreset | null;

  @Field(() => Date, { nullable: true, description: 'inclusive' })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'exclusive' })
  to?: Date | null;
}
