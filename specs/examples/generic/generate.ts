// Writes the generic-CSV example (items.csv, events.csv) next to this file, seeded so the
// committed files are reproducible: `npx tsx specs/examples/generic/generate.ts [outDir]`.
// A small grocery shop: popular staples bought again and again (repeat consumption), a long
// tail viewed more than bought, two catalogue items nobody touched, and a `quantity` column
// (empty on views) that the spec uses as the fine-tuning example weight.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Random } from '../../../shared/random';

const SEED = 23;
const USERS = 60;
const AISLES = ['Dairy', 'Bakery', 'Produce', 'Pantry', 'Drinks', 'Household'] as const;
const BRANDS = ['Northfield', 'Green Acre', 'Casa Buena', 'Daily'] as const;
const ITEMS = 48;
const UNTOUCHED = 2;
const START = Date.UTC(2025, 0, 6);
const DAY_MS = 86_400_000;

const random = new Random(SEED);
const csv = (cells: ReadonlyArray<string | number>) => cells.map((c) => (/[",\n]/.test(String(c)) ? `"${String(c).replaceAll('"', '""')}"` : String(c))).join(',');

const itemLines = [csv(['id', 'title', 'description', 'categoryPath', 'brand', 'price'])];
for (let i = 0; i < ITEMS; i++) {
  const aisle = AISLES[i % AISLES.length]!;
  const brand = random.pick(BRANDS);
  itemLines.push(csv([`p${String(i + 1).padStart(3, '0')}`, `${brand} ${aisle.toLowerCase()} item ${i + 1}`, `A ${aisle.toLowerCase()} product from ${brand}`, `Grocery > ${aisle}`, brand, (0.5 + random.int(2000) / 100).toFixed(2)]));
}

// Popularity falls off like 1/rank; the last UNTOUCHED items get no events at all.
const weights = Array.from({ length: ITEMS }, (_, i) => (i < ITEMS - UNTOUCHED ? 1 / (i + 1) : 0));
const eventLines = [csv(['user', 'item', 'type', 'timestamp', 'session', 'quantity'])];
for (let u = 0; u < USERS; u++) {
  const user = `u${String(u + 1).padStart(3, '0')}`;
  const staples = [random.weighted(weights), random.weighted(weights)];
  let time = START + random.int(14) * DAY_MS;
  const visits = 2 + random.int(5);
  for (let v = 0; v < visits; v++) {
    const session = `${user}-s${v + 1}`;
    const lines = 1 + random.int(3);
    for (let l = 0; l < lines; l++) {
      const item = random.chance(0.5) ? random.pick(staples) : random.weighted(weights);
      const id = `p${String(item + 1).padStart(3, '0')}`;
      time += (1 + random.int(300)) * 1000;
      const type = random.chance(0.6) ? 'purchase' : random.pick(['view', 'click', 'cart'] as const);
      eventLines.push(csv([user, id, type, new Date(time).toISOString().replace('.000Z', 'Z'), session, type === 'purchase' ? 1 + random.int(4) : '']));
    }
    time += (2 + random.int(10)) * DAY_MS;
  }
}

const here = process.argv[2] ?? __dirname;
writeFileSync(path.join(here, 'items.csv'), itemLines.join('\n') + '\n');
writeFileSync(path.join(here, 'events.csv'), eventLines.join('\n') + '\n');
console.log(`wrote ${itemLines.length - 1} items and ${eventLines.length - 1} events to ${path.relative(process.cwd(), here)}`);
