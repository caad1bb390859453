// One Stats page link per role for the demo organisation, each carrying a
// token signed as `npm run token` signs it, with a line on what that role
// sees (contract section 2: owner, admin and service see the whole
// organisation; everyone else only the emails they sent).
import { signToken } from '../auth/jwt';
import { seesWholeOrganisation, type Role } from '../auth/viewer';
import { DEMO_SERVICE, DEMO_USERS } from './demo-cast';

export interface DemoAccess {
  role: Role;
  userId: string;
  name: string;
  teamId: string | null;
  /** what the page shows this person */
  sees: string;
  url: string;
}

/** The person each role's link signs in as: the first of the cast with that role. */
export const DEMO_ROLE_PEOPLE = [
  ...DEMO_USERS.filter((user, index) => DEMO_USERS.findIndex((other) => other.role === user.role) === index),
  DEMO_SERVICE,
];

const count = (value: number) => value.toLocaleString('en-US');

function describe(person: { id: string; role: Role; teamId: string | null }, sendsBySender: Record<string, number>, total: number): string {
  if (seesWholeOrganisation({ userId: person.id, orgId: '', role: person.role, teamId: person.teamId })) {
    return `every send of the organisation (${count(total)})`;
  }
  return `only the emails they sent themselves (${count(sendsBySender[person.id] ?? 0)})`;
}

export async function demoAccessLinks(
  baseUrl: string,
  orgId: string,
  jwtSecret: string,
  sendsBySender: Record<string, number>,
  expiresIn = '12h',
): Promise<DemoAccess[]> {
  const total = Object.values(sendsBySender).reduce((sum, sends) => sum + sends, 0);
  const origin = baseUrl.replace(/\/+$/, '');
  return Promise.all(
    DEMO_ROLE_PEOPLE.map(async (person) => {
      const token = await signToken({ orgId, userId: person.id, role: person.role, teamId: person.teamId, expiresIn }, jwtSecret);
      return {
        role: person.role,
        userId: person.id,
        name: person.name,
        teamId: person.teamId,
        sees: describe(person, sendsBySender, total),
        url: `${origin}/stats#token=${token}`,
      };
    }),
  );
}
