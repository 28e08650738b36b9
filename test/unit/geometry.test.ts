import assert from 'node:assert/strict';
import { test } from 'node:test';

import { intersectionOverUnion } from '../../src/geometry.js';

test('intersectionOverUnion of boxes', () => {
  const box = { x: 10, y: 20, width: 90, height: 60 };

  assert.equal(intersectionOverUnion(box, box), 1);
  assert.equal(intersectionOverUnion(box, { ...box, x: 100 }), 0, 'touching edges share no area');
  assert.equal(intersectionOverUnion(box, { ...box, x: 200 }), 0);
  // Shifted sideways by a third of its width: overlap 2/3 of a box over a union of 4/3.
  assert.ok(Math.abs(intersectionOverUnion(box, { ...box, x: 40 }) - 0.5) < 1e-12);
  // A box inside another: the inner area over the outer one.
  assert.ok(Math.abs(intersectionOverUnion(box, { x: 10, y: 20, width: 45, height: 30 }) - 0.25) < 1e-12);
});
