import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { LfwEvalResult } from './lfw-eval.js';

const percent = (value: number | null): string => (value === null ? 'n/a' : `${(value * 100).toFixed(2)} %`);

/** Formats the ablation as a Markdown table with the settings that produced it. */
export function markdownReport(result: LfwEvalResult, command: string): string {
  const lines = [
    '| representation | dims | DevTest accuracy | ROC AUC | TAR @ FAR 1 % | TAR @ FAR 0.1 % | rank-1 | no face |',
    '|---|---|---|---|---|---|---|---|',
    ...result.rows.map((row) => {
      const v = row.verification;
      return `| ${row.name} | ${row.dimensions} | ${percent(v.accuracy)} | ${v.auc === null ? 'n/a' : v.auc.toFixed(4)} | ${percent(v.tarAtFar1)} | ${percent(v.tarAtFar01)} | ${percent(row.rank1)} | ${v.missing} |`;
    }),
  ];

  return [
    `Command: \`${command}\``,
    '',
    `Protocol: LFW View 1. Each representation's cosine threshold is chosen on ${result.trainPairs} DevTrain pairs; accuracy, ROC AUC and TAR are measured on ${result.testPairs} DevTest pairs (pairs with an undetected face count as errors). The model trained on ${result.trainingFaces} photos of ${result.trainingPeople} DevTrain people only (${result.trainSeconds.toFixed(0)} s, ${result.backend} backend). Rank-1: closed-set identification of ${result.rank1Probes} DevTest probe photos against a gallery of one photo for each of ${result.rank1Gallery} people.`,
    '',
    ...lines,
    '',
  ].join('\n');
}

const COLOURS = ['#000000', '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#17becf'];

/** Writes the DevTest ROC curves (FAR on a log axis from 0.1 % to 100 %) as a PNG. */
export async function writeRocPlot(result: LfwEvalResult, file: string): Promise<void> {
  const width = 1060;
  const height = 600;
  const left = 70;
  const top = 20;
  const plotWidth = 560;
  const plotHeight = 520;
  const x = (far: number) => left + ((Math.log10(Math.max(far, 1e-3)) + 3) / 3) * plotWidth;
  const y = (tar: number) => top + (1 - tar) * plotHeight;

  const curves = result.rows.map((row, i) => {
    const points = row.verification.roc.map(([far, tar]) => `${x(far).toFixed(1)},${y(tar).toFixed(1)}`).join(' ');
    const legendY = top + 20 + i * 22;
    return `<polyline fill="none" stroke="${COLOURS[i % COLOURS.length]}" stroke-width="2" points="${points}"/>
      <line x1="${left + plotWidth + 20}" y1="${legendY}" x2="${left + plotWidth + 45}" y2="${legendY}" stroke="${COLOURS[i % COLOURS.length]}" stroke-width="3"/>
      <text x="${left + plotWidth + 50}" y="${legendY + 4}" font-size="11" font-family="sans-serif">${escapeXml(row.name)}</text>`;
  });
  const ticks = [1e-3, 1e-2, 1e-1, 1].map((far) =>
    `<line x1="${x(far)}" y1="${top}" x2="${x(far)}" y2="${top + plotHeight}" stroke="#ddd"/><text x="${x(far)}" y="${top + plotHeight + 18}" font-size="12" text-anchor="middle" font-family="sans-serif">${far * 100} %</text>`);
  const yTicks = [0.5, 0.6, 0.7, 0.8, 0.9, 1].map((tar) =>
    `<line x1="${left}" y1="${y(tar)}" x2="${left + plotWidth}" y2="${y(tar)}" stroke="#ddd"/><text x="${left - 8}" y="${y(tar) + 4}" font-size="12" text-anchor="end" font-family="sans-serif">${tar * 100} %</text>`);

  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="100%" height="100%" fill="white"/>
    ${ticks.join('\n')}
    ${yTicks.join('\n')}
    <rect x="${left}" y="${top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#333"/>
    ${curves.join('\n')}
    <text x="${left + plotWidth / 2}" y="${height - 10}" font-size="13" text-anchor="middle" font-family="sans-serif">false accept rate (LFW View 1 DevTest)</text>
    <text x="18" y="${top + plotHeight / 2}" font-size="13" text-anchor="middle" font-family="sans-serif" transform="rotate(-90 18 ${top + plotHeight / 2})">true accept rate</text>
  </svg>`;

  await fs.mkdir(path.dirname(file), { recursive: true });
  await sharp(Buffer.from(svg)).png().toFile(file);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
