import { describe, expect, it } from 'vitest';
import { idNumberChecks, maskIdentifier, maskName } from '../../../src/core/kiosk-flow-ids.js';

describe('resident ID numbers', () => {
  it.each(['11010519491231002X', '440301199001011234', '310115198506150022'])('accepts %s', (id) => {
    expect(idNumberChecks(id)).toBe(true);
  });
  it.each([
    ['a wrong check character', '110105194912310021'],
    ['a lower-case x', '11010519491231002x'],
    ['17 characters', '11010519491231002'],
    ['letters', '1101051949123100AX'],
  ])('refuses %s', (_what, id) => {
    expect(idNumberChecks(id)).toBe(false);
  });
});

describe('masking', () => {
  it('keeps the first 3 and last 4 of an ID number, the last 4 of a teller code', () => {
    expect(maskIdentifier({ method: 'idNumber', value: '11010519491231002X' })).toBe('110***********002X');
    expect(maskIdentifier({ method: 'tellerCode', value: 'T0001' })).toBe('*0001');
    expect(maskIdentifier({ method: 'tellerCode', value: 'AB12' })).toBe('****');
  });
  it.each([
    ['张晓明', '张*明'],
    ['李四', '李*'],
    ['欧阳娜娜', '欧**娜'],
    ['Ann', 'A*n'],
    ['王', '王'],
    [' ', '*'],
  ])('masks %s as %s', (name, masked) => {
    expect(maskName(name)).toBe(masked);
  });
});
