import { ThrottledLog } from '../../lib/utils/throttled-log.js';

describe('ThrottledLog', () => {
  it('writes at most once an interval, with how many writes it held back since the last', () => {
    let now = 1_000_000;
    const lines: string[] = [];
    const log = new ThrottledLog(60_000, () => now);
    const write = (what: string) => log.write((held) => lines.push(`${what} (${held} held back)`));

    write('first');
    now += 59_999;
    write('second');
    write('third');
    now += 1;
    write('fourth');
    now += 60_000;
    write('fifth');

    expect(lines).toEqual(['first (0 held back)', 'fourth (2 held back)', 'fifth (0 held back)']);
  });
});
