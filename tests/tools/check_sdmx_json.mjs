#!/usr/bin/env node
// check_sdmx_json.mjs: a standalone structural checker for SDMX-JSON 2.0.0 *data* messages
// (the JSON data format that goes with SDMX 3.0). Plain Node.js (v20+), no dependencies.
//
//   node check_sdmx_json.mjs FILE.json
//
// Exit 0, one line on stdout:  FILE.json: valid SDMX-JSON 2.0 data message (N observations)
// Exit 1, one line per problem: FILE.json: <JSON path>: <what is wrong>
// Exit 2: wrong command line.
// Advisory notes (they never change the exit code) go to stderr as
//   FILE.json: <JSON path>: warning: <text>
//
// Source of the rules (facts only; the schema and the guide are not copied here):
//   https://github.com/sdmx-twg/sdmx-json, the data-message part, version 2.0.0:
//     data-message/tools/schemas/2.0.0/sdmx-json-data-schema.json (read at commit d0a4aaf1)
//     data-message/docs/1-sdmx-json-field-guide.md (the "Data Message 2.0.0" edition)
// Each message names where its rule comes from: [schema: <definition>] is a constraint of the
// JSON schema, [guide: <section>] a MUST-level statement of the field guide, [policy] a choice
// made by this checker for the messages we emit (the schema alone would allow it).
//
// Rules checked
// - Whole file: strict JSON (JSON.parse); no key repeated inside one object (JSON.parse would
//   silently keep the last one, e.g. a duplicated observation key).
// - Message (root): must be an object. [policy] "meta" and "data" must be present (the schema
//   makes both optional); the 1.0 root members "header", "structure", "dataSets" are rejected
//   with a pointer to their 2.0 places. [guide: message] "data" and "errors" never together.
//   The schema leaves the root open, so other unknown root members are only warned about.
// - meta [schema: meta]: required id, prepared, sender. id matches ^[A-Za-z0-9_@$-]+$.
//   prepared is an RFC 3339 date-time: date, "T", time with seconds, optional fraction and a
//   mandatory zone (Z or +hh:mm). schema, when given, is an absolute URI; test is a boolean;
//   contentLanguages is an array of language tags (the schema's tag pattern is lowercase only:
//   "fr-fr" passes, "fr-FR" does not); name string, names localised text, receivers array.
// - party (meta.sender, meta.receivers[]) [schema: party]: required id with the same pattern as
//   meta.id; name string; names localised text; contact[] items need a name.
// - localised text [schema: localisedText]: an object; every key that is a (lowercase) language
//   tag must map to a string. Keys that are not tags are unchecked by the schema (warning).
// - links [schema: links]: an array of objects, each with rel plus href, or rel plus urn;
//   href/urn/uri are absolute URIs (format "uri"); rel/type/title strings; hreflang a tag.
// - data: structures and dataSets are arrays [schema: root]; [policy] both must be present and
//   structures must not be empty; the 1.0-style singular data.structure is rejected.
// - structure [schema: structure]: required dimensions. dimensions, measures and attributes are
//   closed objects: dimensions may only hold dataSet/series/observation, measures only
//   observation, attributes only dataSet/dimensionGroup/series/observation; each is an array of
//   distinct items. dataSets is a non-empty array of integers (each must index data.dataSets).
//   annotations is an array of objects whose id/title/type/value/text are strings.
//   [guide: structure] attributes must be present, and links must hold at least one link to the
//   DSD, dataflow or provision agreement (rel datastructure/structure/dataflow/
//   provisionagreement). [guide] measures may be left out only for a lone OBS_VALUE measure
//   (then one unindexed measure slot is assumed; warning).
// - dimension [schema: dimension]: required id, keyPosition, values. id matches
//   ^[A-Za-z][A-Za-z0-9_-]*$ (also roles items); keyPosition integer >= 0; annotations are
//   integers >= 0 that index structure.annotations; format [schema: dimFormat].
//   Across one structure: keyPositions are distinct and exactly 0..n-1 [guide: component];
//   component ids are distinct over dimensions, measures and attributes [policy: SDMX];
//   dimensions and attributes at dataSet level have exactly one value [guide].
// - dimension values [schema: dimValues]: a non-empty array of distinct objects; each one has
//   either id+name (coded) or value (uncoded), never both (oneOf). id and parent match the
//   meta.id pattern; order integer >= 0; start/end date-times. An integer "value" matches two
//   branches of the schema's oneOf (integer and number) and is therefore rejected.
// - measure [schema: measure]: required id; isMandatory boolean; values [schema: compValues];
//   format [schema: format].
// - attribute [schema: attribute]: required id and relationship; default is a string;
//   values [schema: compValues]; format [schema: format].
// - relationship [schema: AttributeRelationshipType]: exactly one of dimensions (non-empty
//   array of ids), dataflow ({}), observation ({}), primaryMeasure (id; deprecated, warning);
//   optional measures (non-empty array of ids). Referenced ids must exist in the structure.
// - component values [schema: compValues]: a non-empty array of distinct items, each null or an
//   object with exactly one of id+name / value / values. Same integer-value caveat as above.
// - format / dimFormat [schema: format, dimFormat, dimensionDataType, nonDimensionDataType]:
//   dataType from the SDMX 3.0 list (XHTML only for measures/attributes); minLength, maxLength,
//   decimals integers >= 1; minOccurs integer >= 0; maxOccurs integer >= 1 or "unbounded";
//   timeInterval an ISO 8601 duration; startTime/endTime standard time periods;
//   sentinelValues a non-empty array of distinct {value, name} objects.
// - dataSet [schema: dataSet]: required links (an empty array satisfies it); structure integer
//   indexing data.structures (default 0) and consistent with structures[].dataSets; action one
//   of Information, Append, Replace, Delete; validFrom/validTo date-times; reportingBegin/End,
//   publicationYear/Period strings; annotations index structure.annotations.
//   [guide: dataSet] observations (flat) and series are never both present; a flat dataSet needs
//   no series-level dimensions; a series dataSet needs at least one.
// - dataSet.attributes / series.attributes [schema: dataSet; guide: dataSet, series]: one slot
//   per attribute of attributes.dataSet / attributes.series, in order; trailing slots may be
//   left out; a slot is an index into that attribute's values (or null) when the attribute has
//   a values array, otherwise the value itself.
// - dimensionGroupAttributes [schema: dataSet; guide: dimensionGroupAttributes]: closed object;
//   each key has one position per dimension of the structure (ordered by keyPosition), empty or
//   a value index, at least one filled; each value is an array of slots for
//   attributes.dimensionGroup, as above.
// - observations (flat, or inside a series) [schema: dataSet; guide: observations]: a closed
//   object whose keys match ^[0-9]+(:[0-9]+)*$; a key has exactly one index per dimension in
//   dimensions.observation (in that order) and each index is inside that dimension's values.
//   The value is an array laid out as:
//     [ one slot per measure of measures.observation  (value, or value index if the measure
//         has a values array; null for a missing value; never omitted),
//       one slot per attribute of attributes.observation (same index-or-value rule; trailing
//         ones may be omitted when there is no annotation),
//       then zero or more annotation indexes into structure.annotations ].
//   Every element is an integer, number, boolean, string, localised-text object, value array
//   or null [schema: valueArray: a non-empty array of one item kind plus nulls, which must
//   match exactly one kind, so all-integer or all-null arrays are rejected].
// - series [schema: dataSet; guide: series]: a closed object; keys as above with one index per
//   dimension in dimensions.series; each entry is a closed object of annotations, attributes,
//   observations.

import { readFileSync } from 'node:fs';

const argv = process.argv.slice(2);
if (argv.length !== 1 || argv[0].startsWith('-')) {
  process.stderr.write('usage: node check_sdmx_json.mjs FILE.json\n');
  process.exit(2);
}
const FILE = argv[0];

const problems = [];
const notes = [];
const err = (path, text) => problems.push(`${FILE}: ${path}: ${text}`);
const warn = (path, text) => notes.push(`${FILE}: ${path}: warning: ${text}`);

// ---------------------------------------------------------------------------------------------
// Small helpers

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isInt = (v) => typeof v === 'number' && Number.isInteger(v);
const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
const has = (o, k) => Object.prototype.hasOwnProperty.call(o, k);

function kindOf(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
function at(path, key) {
  if (typeof key === 'number') return `${path}[${key}]`;
  return PLAIN_KEY.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

// Canonical text of a JSON value, for "distinct items" comparisons (key order ignored).
function canon(v) {
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
  if (isObj(v)) {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canon(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

function distinct(arr, path, rule) {
  const first = new Map();
  arr.forEach((item, i) => {
    const c = canon(item);
    if (first.has(c)) err(at(path, i), `same as item [${first.get(c)}]; items must be distinct [${rule}]`);
    else first.set(c, i);
  });
}

// Type check with a uniform message. kind: object|array|string|boolean|integer|number.
function want(v, path, kind, rule) {
  const ok = {
    object: isObj, array: Array.isArray, string: (x) => typeof x === 'string',
    boolean: (x) => typeof x === 'boolean', integer: isInt, number: isNum,
  }[kind](v);
  if (!ok) err(path, `must be ${kind === 'integer' || kind === 'array' || kind === 'object' ? 'an' : 'a'} ${kind}, found ${kindOf(v)} [${rule}]`);
  return ok;
}

function required(obj, path, keys, rule) {
  let all = true;
  for (const k of keys) {
    if (!has(obj, k)) { err(path, `missing required member "${k}" [${rule}]`); all = false; }
  }
  return all;
}

function closed(obj, path, allowed, rule) {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) {
      err(at(path, k), `member not allowed here (only ${allowed.map((a) => `"${a}"`).join(', ')}) [${rule}]`);
    }
  }
}

function optString(obj, path, keys, rule) {
  for (const k of keys) if (has(obj, k)) want(obj[k], at(path, k), 'string', rule);
}

function nonNegInt(v, path, rule) {
  if (want(v, path, 'integer', rule) && v < 0) err(path, `must be >= 0, found ${v} [${rule}]`);
}

// ---------------------------------------------------------------------------------------------
// Value formats

const ID_ANY = /^[A-Za-z0-9_@$-]+$/;          // message, party and value ids
const ID_COMPONENT = /^[A-Za-z][A-Za-z0-9_-]*$/; // component ids, roles, relationship refs
const OBS_KEY = /^[0-9]+(:[0-9]+)*$/;

function idString(v, path, re, rule) {
  if (want(v, path, 'string', rule) && !re.test(v)) err(path, `"${v}" does not match ${re.source} [${rule}]`);
}

// Language tags as the schema accepts them: RFC 5646 shapes, written in lowercase (the schema's
// expression has no case folding), plus the grandfathered tags spelled exactly as registered.
const GRANDFATHERED = new Set([
  'en-GB-oed', 'i-ami', 'i-bnn', 'i-default', 'i-enochian', 'i-hak', 'i-klingon', 'i-lux',
  'i-mingo', 'i-navajo', 'i-pwn', 'i-tao', 'i-tay', 'i-tsu', 'sgn-BE-FR', 'sgn-BE-NL',
  'sgn-CH-DE', 'art-lojban', 'cel-gaulish', 'no-bok', 'no-nyn', 'zh-guoyu', 'zh-hakka', 'zh-min',
  'zh-min-nan', 'zh-xiang',
]);
const LANG_TAG = (() => {
  const primary = '(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})';
  const script = '(?:-[a-z]{4})?';
  const region = '(?:-(?:[a-z]{2}|[0-9]{3}))?';
  const variants = '(?:-(?:[0-9a-z]{5,8}|[0-9][0-9a-z]{3}))*';
  const extensions = '(?:-[0-9a-wy-z](?:-[0-9a-z]{2,8})+)*';
  const privateTail = '(?:-x(?:-[0-9a-z]{1,8})+)?';
  return new RegExp(`^${primary}${script}${region}${variants}${extensions}${privateTail}$`);
})();
const PRIVATE_TAG = /^x(?:-[0-9a-z]{1,8})+$/;
const isLangTag = (s) => GRANDFATHERED.has(s) || LANG_TAG.test(s) || PRIVATE_TAG.test(s);

function daysIn(y, m) {
  return [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
}
function isDate(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [+m[1], +m[2], +m[3]];
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysIn(y, mo);
}
function isDateTime(s) {
  const m = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/.exec(s);
  if (!m || !isDate(m[1])) return false;
  const [h, mi, se] = [+m[2], +m[3], +m[4]];
  if (h > 23 || mi > 59 || se > 60) return false;
  if (m[5] !== undefined && (+m[5] > 23 || +m[6] > 59)) return false;
  return true;
}
function dateTime(v, path, rule) {
  if (want(v, path, 'string', rule) && !isDateTime(v)) {
    err(path, `"${v}" is not an RFC 3339 date-time with seconds and a time zone, e.g. 2024-05-01T12:00:00Z [${rule}]`);
  }
}

const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$/;
function uri(v, path, rule) {
  if (want(v, path, 'string', rule) && !ABSOLUTE_URI.test(v)) {
    err(path, `"${v}" is not an absolute URI (format "uri" needs a scheme, e.g. https:// or urn:) [${rule}]`);
  }
}

function isDuration(s) {
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(s);
  if (!m) return false;
  const datePart = m[1] || m[2] || m[3];
  const hasT = s.includes('T');
  const timePart = m[4] || m[5] || m[6];
  return hasT ? Boolean(timePart) : Boolean(datePart);
}

const ZONE = '(?:Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))?';
const G_YEAR = new RegExp(`^(?:[1-9][0-9]{3,}|0[0-9]{3})${ZONE}$`);
const G_YEAR_MONTH = new RegExp(`^(?:[1-9][0-9]{3,}|0[0-9]{3})-(?:0[1-9]|1[0-2])${ZONE}$`);
const REPORTING_PERIOD = /^\d{4}-(?:[ASTQ]\d|[MW]\d{2}|D\d{3})(?:Z|[+-]\d{2}:\d{2})?$/;
const isStandardPeriod = (s) => G_YEAR.test(s) || G_YEAR_MONTH.test(s) || isDate(s) ||
  isDateTime(s) || REPORTING_PERIOD.test(s);

// ---------------------------------------------------------------------------------------------
// Shared definitions: localised text, links, annotation index lists, value arrays

// Returns null when v is acceptable as localised text, else a reason.
function localisedProblem(v) {
  if (!isObj(v)) return `must be an object of language tag -> text, found ${kindOf(v)}`;
  for (const [k, t] of Object.entries(v)) {
    if (isLangTag(k) && typeof t !== 'string') return `text for language "${k}" must be a string, found ${kindOf(t)}`;
  }
  return null;
}
function localised(v, path, rule) {
  const p = localisedProblem(v);
  if (p) { err(path, `${p} [${rule}]`); return; }
  for (const k of Object.keys(v)) {
    if (!isLangTag(k)) warn(at(path, k), `"${k}" is not a language tag in the schema's (lowercase) form, so the schema does not check it`);
  }
}

function links(v, path) {
  const rule = 'schema: links';
  if (!want(v, path, 'array', rule)) return;
  v.forEach((link, i) => {
    const p = at(path, i);
    if (!want(link, p, 'object', rule)) return;
    if (!has(link, 'rel') || !(has(link, 'href') || has(link, 'urn'))) {
      err(p, `a link needs "rel" together with "href" or "urn" [${rule}]`);
    }
    if (has(link, 'rel')) want(link.rel, at(p, 'rel'), 'string', rule);
    for (const k of ['href', 'urn', 'uri']) if (has(link, k)) uri(link[k], at(p, k), rule);
    optString(link, p, ['title', 'type'], rule);
    if (has(link, 'titles')) localised(link.titles, at(p, 'titles'), rule);
    if (has(link, 'hreflang') && want(link.hreflang, at(p, 'hreflang'), 'string', rule) && !isLangTag(link.hreflang)) {
      err(at(p, 'hreflang'), `"${link.hreflang}" is not a (lowercase) language tag [${rule}]`);
    }
  });
}

// A list of annotation indexes; range is checked against structure.annotations when known.
function annotationRefs(v, path, rule, nAnnotations) {
  if (!want(v, path, 'array', rule)) return;
  v.forEach((x, i) => {
    const p = at(path, i);
    if (!want(x, p, 'integer', rule)) return;
    if (x < 0) err(p, `must be >= 0, found ${x} [${rule}]`);
    else if (nAnnotations !== undefined && x >= nAnnotations) {
      err(p, `annotation index ${x} is out of range: structure.annotations has ${nAnnotations} item(s) [guide: annotation]`);
    }
  });
}

// How many of the schema's valueArray branches v matches (valid only when exactly 1).
function valueArrayMatches(v) {
  if (!Array.isArray(v) || v.length === 0) return 0;
  const kinds = [
    isInt, isNum, (x) => typeof x === 'boolean', (x) => typeof x === 'string',
    (x) => localisedProblem(x) === null, (x) => valueArrayMatches(x) === 1,
  ];
  return kinds.filter((k) => v.every((x) => x === null || k(x))).length;
}

// A data slot: integer, number, boolean, string, localised text, value array or null.
function dataValue(v, path, rule) {
  if (v === null || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return;
  if (isObj(v)) {
    const p = localisedProblem(v);
    if (p) err(path, `${p} [${rule}]`);
    return;
  }
  const n = valueArrayMatches(v);
  if (n === 0) {
    err(path, `an array value must be non-empty and hold items of a single kind (integers, numbers, booleans, strings, localised texts or arrays) plus nulls [schema: valueArray]`);
  } else if (n > 1) {
    err(path, `this array matches ${n} alternatives of the schema's valueArray (oneOf): all-integer or all-null arrays are ambiguous and strict validators reject them [schema: valueArray]`);
  }
}

// ---------------------------------------------------------------------------------------------
// meta

function party(p, path) {
  const rule = 'schema: party';
  if (!want(p, path, 'object', rule)) return;
  if (required(p, path, ['id'], rule)) idString(p.id, at(path, 'id'), ID_ANY, rule);
  optString(p, path, ['name'], rule);
  if (has(p, 'names')) localised(p.names, at(path, 'names'), rule);
  if (has(p, 'contact') && want(p.contact, at(path, 'contact'), 'array', rule)) {
    p.contact.forEach((c, i) => {
      const cp = at(at(path, 'contact'), i);
      if (!want(c, cp, 'object', rule)) return;
      required(c, cp, ['name'], rule);
      optString(c, cp, ['name', 'department', 'role'], rule);
      for (const k of ['names', 'departments', 'roles']) if (has(c, k)) localised(c[k], at(cp, k), rule);
      for (const k of ['telephones', 'faxes', 'x400s', 'emails', 'uris']) {
        if (!has(c, k) || !want(c[k], at(cp, k), 'array', rule)) continue;
        c[k].forEach((x, j) => (k === 'uris' ? uri(x, at(at(cp, k), j), rule) : want(x, at(at(cp, k), j), 'string', rule)));
      }
    });
  }
}

function meta(m, path) {
  const rule = 'schema: meta';
  if (!want(m, path, 'object', rule)) return;
  required(m, path, ['id', 'prepared', 'sender'], rule);
  if (has(m, 'id')) idString(m.id, at(path, 'id'), ID_ANY, rule);
  if (has(m, 'prepared')) dateTime(m.prepared, at(path, 'prepared'), rule);
  if (has(m, 'sender')) party(m.sender, at(path, 'sender'));
  if (has(m, 'schema')) uri(m.schema, at(path, 'schema'), rule);
  if (has(m, 'test')) want(m.test, at(path, 'test'), 'boolean', rule);
  if (has(m, 'contentLanguages') && want(m.contentLanguages, at(path, 'contentLanguages'), 'array', rule)) {
    m.contentLanguages.forEach((t, i) => {
      const p = at(at(path, 'contentLanguages'), i);
      if (want(t, p, 'string', rule) && !isLangTag(t)) {
        err(p, `"${t}" is not a language tag as the schema spells them (lowercase, e.g. "en", "fr-fr") [${rule}]`);
      }
    });
  }
  optString(m, path, ['name'], rule);
  if (has(m, 'names')) localised(m.names, at(path, 'names'), rule);
  if (has(m, 'receivers') && want(m.receivers, at(path, 'receivers'), 'array', rule)) {
    m.receivers.forEach((r, i) => party(r, at(at(path, 'receivers'), i)));
  }
  if (has(m, 'links')) links(m.links, at(path, 'links'));
}

// ---------------------------------------------------------------------------------------------
// structure: components

const DIMENSION_TYPES = new Set([
  'String', 'Alpha', 'AlphaNumeric', 'Numeric', 'BigInteger', 'Integer', 'Long', 'Short',
  'Decimal', 'Float', 'Double', 'Boolean', 'URI', 'Count', 'InclusiveValueRange',
  'ExclusiveValueRange', 'Incremental', 'ObservationalTimePeriod', 'StandardTimePeriod',
  'BasicTimePeriod', 'GregorianTimePeriod', 'GregorianYear', 'GregorianYearMonth', 'GregorianDay',
  'ReportingTimePeriod', 'ReportingYear', 'ReportingSemester', 'ReportingTrimester',
  'ReportingQuarter', 'ReportingMonth', 'ReportingWeek', 'ReportingDay', 'DateTime', 'TimeRange',
  'Month', 'MonthDay', 'Day', 'Time', 'Duration', 'GeospatialInformation',
]);

function format(f, path, forDimension) {
  const rule = forDimension ? 'schema: dimFormat' : 'schema: format';
  if (!want(f, path, 'object', rule)) return;
  if (has(f, 'dataType') && want(f.dataType, at(path, 'dataType'), 'string', rule)) {
    const ok = DIMENSION_TYPES.has(f.dataType) || (!forDimension && f.dataType === 'XHTML');
    if (!ok) err(at(path, 'dataType'), `"${f.dataType}" is not an SDMX 3.0 data type${forDimension ? ' allowed for dimensions' : ''} [${forDimension ? 'schema: dimensionDataType' : 'schema: nonDimensionDataType'}]`);
  }
  for (const k of ['isSequence', ...(forDimension ? [] : ['isMultiLingual'])]) {
    if (has(f, k)) want(f[k], at(path, k), 'boolean', rule);
  }
  for (const k of ['interval', 'startValue', 'endValue', 'minValue', 'maxValue']) {
    if (has(f, k)) want(f[k], at(path, k), 'number', rule);
  }
  for (const k of ['minLength', 'maxLength', 'decimals']) {
    if (has(f, k) && want(f[k], at(path, k), 'integer', rule) && f[k] < 1) err(at(path, k), `must be >= 1 [${rule}]`);
  }
  if (has(f, 'pattern')) want(f.pattern, at(path, 'pattern'), 'string', rule);
  if (has(f, 'timeInterval') && want(f.timeInterval, at(path, 'timeInterval'), 'string', rule) && !isDuration(f.timeInterval)) {
    err(at(path, 'timeInterval'), `"${f.timeInterval}" is not an ISO 8601 duration such as P1M or PT12H [schema: duration]`);
  }
  for (const k of ['startTime', 'endTime']) {
    if (has(f, k) && want(f[k], at(path, k), 'string', rule) && !isStandardPeriod(f[k])) {
      err(at(path, k), `"${f[k]}" is not a standard time period (year, year-month, date, date-time or reporting period) [schema: StandardTimePeriodType]`);
    }
  }
  if (!forDimension) {
    if (has(f, 'minOccurs')) nonNegInt(f.minOccurs, at(path, 'minOccurs'), rule);
    if (has(f, 'maxOccurs')) {
      const v = f.maxOccurs;
      if (!(v === 'unbounded' || (isInt(v) && v >= 1))) err(at(path, 'maxOccurs'), `must be an integer >= 1 or "unbounded" [schema: OccurenceType]`);
    }
  }
  if (has(f, 'sentinelValues')) {
    const sp = at(path, 'sentinelValues');
    const srule = 'schema: sentinelValues';
    if (want(f.sentinelValues, sp, 'array', srule)) {
      if (f.sentinelValues.length === 0) err(sp, `must not be empty [${srule}]`);
      distinct(f.sentinelValues, sp, srule);
      f.sentinelValues.forEach((s, i) => {
        const p = at(sp, i);
        if (!want(s, p, 'object', srule)) return;
        required(s, p, ['value', 'name'], srule);
        if (has(s, 'value') && !(isNum(s.value) || typeof s.value === 'string')) err(at(p, 'value'), `must be a number or a string [${srule}]`);
        optString(s, p, ['name', 'description'], srule);
        for (const k of ['names', 'descriptions']) if (has(s, k)) localised(s[k], at(p, k), srule);
      });
    }
  }
}

function commonValueFields(x, p, rule, nAnn) {
  if (has(x, 'id')) idString(x.id, at(p, 'id'), ID_ANY, rule);
  if (has(x, 'parent')) idString(x.parent, at(p, 'parent'), ID_ANY, rule);
  optString(x, p, ['name', 'description'], rule);
  for (const k of ['names', 'descriptions']) if (has(x, k)) localised(x[k], at(p, k), rule);
  for (const k of ['start', 'end']) if (has(x, k)) dateTime(x[k], at(p, k), rule);
  if (has(x, 'order')) nonNegInt(x.order, at(p, 'order'), rule);
  if (has(x, 'links')) links(x.links, at(p, 'links'));
  if (has(x, 'annotations')) annotationRefs(x.annotations, at(p, 'annotations'), rule, nAnn);
}

function integerValueCaveat(v, path, rule) {
  err(path, `integer ${v} matches both the "integer" and "number" alternatives of the schema's oneOf, so strict validators reject it; write it as a string (e.g. "${v}") [${rule}]`);
}

function dimensionValues(v, path, nAnn) {
  const rule = 'schema: dimValues';
  if (!want(v, path, 'array', rule)) return;
  if (v.length === 0) err(path, `must hold at least one value (dataSets can only refer to values by index) [${rule}]`);
  distinct(v, path, rule);
  v.forEach((x, i) => {
    const p = at(path, i);
    if (!want(x, p, 'object', rule)) return;
    const coded = has(x, 'id') && has(x, 'name');
    const uncoded = has(x, 'value');
    if (coded && uncoded) err(p, `has both id+name and value; a dimension value is either coded (id and name) or uncoded (value) [${rule}]`);
    if (!coded && !uncoded) err(p, `needs "id" and "name" (coded value) or "value" (uncoded value) [${rule}]`);
    if (uncoded) {
      const val = x.value;
      if (isInt(val)) integerValueCaveat(val, at(p, 'value'), rule);
      else if (!(isNum(val) || typeof val === 'boolean' || typeof val === 'string')) err(at(p, 'value'), `must be a number, boolean or string, found ${kindOf(val)} [${rule}]`);
    }
    commonValueFields(x, p, rule, nAnn);
  });
}

function componentValues(v, path, nAnn) {
  const rule = 'schema: compValues';
  if (!want(v, path, 'array', rule)) return;
  if (v.length === 0) err(path, `must not be empty (leave "values" out instead, and put the values themselves in the dataSets) [${rule}]`);
  distinct(v, path, rule);
  v.forEach((x, i) => {
    const p = at(path, i);
    if (x === null) return;
    if (!isObj(x)) { err(p, `must be an object or null, found ${kindOf(x)} [${rule}]`); return; }
    const forms = [has(x, 'id') && has(x, 'name'), has(x, 'value'), has(x, 'values')].filter(Boolean).length;
    if (forms !== 1) err(p, `must have exactly one of: id+name (coded), value (single uncoded), values (multiple uncoded); found ${forms} [${rule}]`);
    if (has(x, 'value')) {
      const val = x.value;
      if (isInt(val)) integerValueCaveat(val, at(p, 'value'), rule);
      else if (!(isNum(val) || typeof val === 'boolean' || typeof val === 'string' || localisedProblem(val) === null)) {
        err(at(p, 'value'), `must be a number, boolean, string or localised text, found ${kindOf(val)} [${rule}]`);
      }
    }
    if (has(x, 'values') && want(x.values, at(p, 'values'), 'array', rule)) dataValue(x.values, at(p, 'values'), rule);
    commonValueFields(x, p, rule, nAnn);
  });
}

function componentCommon(c, path, rule, nAnn) {
  if (has(c, 'id')) idString(c.id, at(path, 'id'), ID_COMPONENT, rule);
  optString(c, path, ['name', 'description'], rule);
  for (const k of ['names', 'descriptions']) if (has(c, k)) localised(c[k], at(path, k), rule);
  if (has(c, 'roles') && want(c.roles, at(path, 'roles'), 'array', rule)) {
    c.roles.forEach((r, i) => idString(r, at(at(path, 'roles'), i), ID_COMPONENT, rule));
  }
  if (has(c, 'links')) links(c.links, at(path, 'links'));
  if (has(c, 'annotations')) annotationRefs(c.annotations, at(path, 'annotations'), rule, nAnn);
}

function dimension(d, path, nAnn) {
  const rule = 'schema: dimension';
  if (!want(d, path, 'object', rule)) return;
  required(d, path, ['id', 'keyPosition', 'values'], rule);
  componentCommon(d, path, rule, nAnn);
  if (has(d, 'keyPosition')) nonNegInt(d.keyPosition, at(path, 'keyPosition'), rule);
  if (has(d, 'format')) format(d.format, at(path, 'format'), true);
  if (has(d, 'values')) dimensionValues(d.values, at(path, 'values'), nAnn);
  for (const k of ['relationship', 'default', 'isMandatory']) {
    if (has(d, k)) warn(at(path, k), `"${k}" is not meant for dimensions (guide: component)`);
  }
}

function measure(m, path, nAnn) {
  const rule = 'schema: measure';
  if (!want(m, path, 'object', rule)) return;
  required(m, path, ['id'], rule);
  componentCommon(m, path, rule, nAnn);
  if (has(m, 'isMandatory')) want(m.isMandatory, at(path, 'isMandatory'), 'boolean', rule);
  if (has(m, 'format')) format(m.format, at(path, 'format'), false);
  if (has(m, 'values')) componentValues(m.values, at(path, 'values'), nAnn);
  for (const k of ['keyPosition', 'relationship']) {
    if (has(m, k)) warn(at(path, k), `"${k}" is not meant for measures (guide: component)`);
  }
}

// Returns the ids the relationship refers to, for the cross-check.
function relationship(r, path) {
  const rule = 'schema: AttributeRelationshipType';
  const refs = { dimensions: [], measures: [] };
  if (!want(r, path, 'object', rule)) return refs;
  const kinds = ['dimensions', 'dataflow', 'observation', 'primaryMeasure'].filter((k) => has(r, k));
  if (kinds.length !== 1) {
    err(path, `must have exactly one of "dimensions", "dataflow", "observation", "primaryMeasure"; found ${kinds.length ? kinds.map((k) => `"${k}"`).join(', ') : 'none'} [${rule}]`);
  }
  for (const k of ['dataflow', 'observation']) {
    if (has(r, k) && want(r[k], at(path, k), 'object', rule) && Object.keys(r[k]).length) {
      err(at(path, k), `must be an empty object {} [${rule}]`);
    }
  }
  for (const k of ['dimensions', 'measures']) {
    if (!has(r, k) || !want(r[k], at(path, k), 'array', rule)) continue;
    if (r[k].length === 0) err(at(path, k), `must not be empty [${rule}]`);
    r[k].forEach((id, i) => {
      idString(id, at(at(path, k), i), ID_COMPONENT, rule);
      if (typeof id === 'string') refs[k].push([id, at(at(path, k), i)]);
    });
  }
  if (has(r, 'primaryMeasure')) {
    idString(r.primaryMeasure, at(path, 'primaryMeasure'), ID_COMPONENT, rule);
    warn(at(path, 'primaryMeasure'), 'deprecated; use "observation": {} in SDMX-JSON 2.0');
  }
  return refs;
}

function attribute(a, path, nAnn, refsOut) {
  const rule = 'schema: attribute';
  if (!want(a, path, 'object', rule)) return;
  required(a, path, ['id', 'relationship'], rule);
  componentCommon(a, path, rule, nAnn);
  if (has(a, 'isMandatory')) want(a.isMandatory, at(path, 'isMandatory'), 'boolean', rule);
  if (has(a, 'relationship')) refsOut.push(relationship(a.relationship, at(path, 'relationship')));
  if (has(a, 'format')) format(a.format, at(path, 'format'), false);
  if (has(a, 'default')) want(a.default, at(path, 'default'), 'string', rule);
  if (has(a, 'values')) componentValues(a.values, at(path, 'values'), nAnn);
  if (has(a, 'keyPosition')) warn(at(path, 'keyPosition'), '"keyPosition" is not meant for attributes (guide: component)');
}

// ---------------------------------------------------------------------------------------------
// structure

const STRUCTURE_RELS = new Set(['datastructure', 'structure', 'dataflow', 'provisionagreement']);

// Returns a model of the structure used to check its dataSets.
function structure(s, path) {
  const rule = 'schema: structure';
  const model = {
    dims: { dataSet: [], series: [], observation: [] },
    measures: [],
    attrs: { dataSet: [], dimensionGroup: [], series: [], observation: [] },
    nAnn: 0,
    dimsByPosition: [],
    listedDataSets: null,
    hasDims: false,
  };
  if (!want(s, path, 'object', rule)) return model;
  required(s, path, ['dimensions'], rule);

  // Annotations first: every other part refers to them by index.
  if (has(s, 'annotations') && want(s.annotations, at(path, 'annotations'), 'array', rule)) {
    model.nAnn = s.annotations.length;
    s.annotations.forEach((a, i) => {
      const p = at(at(path, 'annotations'), i);
      if (!want(a, p, 'object', rule)) return;
      optString(a, p, ['id', 'title', 'type', 'value', 'text'], rule);
      if (has(a, 'texts')) localised(a.texts, at(p, 'texts'), rule);
      if (has(a, 'links')) links(a.links, at(p, 'links'));
    });
  }
  const nAnn = model.nAnn;

  optString(s, path, ['name', 'description'], rule);
  for (const k of ['names', 'descriptions']) if (has(s, k)) localised(s[k], at(path, k), rule);
  if (has(s, 'links')) {
    links(s.links, at(path, 'links'));
    const ok = Array.isArray(s.links) && s.links.some((l) => isObj(l) && typeof l.rel === 'string' && STRUCTURE_RELS.has(l.rel.toLowerCase()));
    if (!ok) err(at(path, 'links'), 'needs a link to the data structure, dataflow or provision agreement (rel "datastructure", "structure", "dataflow" or "provisionagreement") [guide: structure]');
  } else {
    err(path, 'missing "links": at least the link to the data structure, dataflow or provision agreement is required [guide: structure]');
  }
  if (has(s, 'dataSets') && want(s.dataSets, at(path, 'dataSets'), 'array', rule)) {
    if (s.dataSets.length === 0) err(at(path, 'dataSets'), `must not be empty (leave it out to mean "all dataSets") [${rule}]`);
    model.listedDataSets = [];
    s.dataSets.forEach((x, i) => {
      if (want(x, at(at(path, 'dataSets'), i), 'integer', rule)) model.listedDataSets.push([x, at(at(path, 'dataSets'), i)]);
    });
  }

  // dimensions
  if (has(s, 'dimensions')) {
    const dp = at(path, 'dimensions');
    if (want(s.dimensions, dp, 'object', rule)) {
      model.hasDims = true;
      closed(s.dimensions, dp, ['dataSet', 'series', 'observation'], rule);
      for (const level of ['dataSet', 'series', 'observation']) {
        if (!has(s.dimensions, level)) continue;
        const lp = at(dp, level);
        if (!want(s.dimensions[level], lp, 'array', rule)) continue;
        distinct(s.dimensions[level], lp, rule);
        s.dimensions[level].forEach((d, i) => dimension(d, at(lp, i), nAnn));
        model.dims[level] = s.dimensions[level].map((d, i) => ({ def: isObj(d) ? d : {}, path: at(lp, i) }));
      }
    }
  }

  // measures
  if (has(s, 'measures')) {
    const mp = at(path, 'measures');
    if (want(s.measures, mp, 'object', rule)) {
      closed(s.measures, mp, ['observation'], rule);
      if (has(s.measures, 'observation')) {
        const lp = at(mp, 'observation');
        if (want(s.measures.observation, lp, 'array', rule)) {
          distinct(s.measures.observation, lp, rule);
          s.measures.observation.forEach((m, i) => measure(m, at(lp, i), nAnn));
          model.measures = s.measures.observation.map((m, i) => ({ def: isObj(m) ? m : {}, path: at(lp, i) }));
        }
      }
    }
  } else {
    warn(path, 'no "measures": read as the 1.x layout with one OBS_VALUE measure; SDMX 3.0 producers should always write "measures" (guide: structure)');
    model.measures = [{ def: { id: 'OBS_VALUE' }, path: `${path}(implicit OBS_VALUE)` }];
  }

  // attributes
  const relRefs = [];
  if (has(s, 'attributes')) {
    const ap = at(path, 'attributes');
    if (want(s.attributes, ap, 'object', rule)) {
      closed(s.attributes, ap, ['dataSet', 'dimensionGroup', 'series', 'observation'], rule);
      for (const level of ['dataSet', 'dimensionGroup', 'series', 'observation']) {
        if (!has(s.attributes, level)) continue;
        const lp = at(ap, level);
        if (!want(s.attributes[level], lp, 'array', rule)) continue;
        distinct(s.attributes[level], lp, rule);
        s.attributes[level].forEach((a, i) => attribute(a, at(lp, i), nAnn, relRefs));
        model.attrs[level] = s.attributes[level].map((a, i) => ({ def: isObj(a) ? a : {}, path: at(lp, i) }));
      }
    }
  } else {
    err(path, 'missing "attributes" (write {} or empty level arrays when there are none) [guide: structure]');
  }

  // Cross-checks inside the structure.
  const allDims = [...model.dims.dataSet, ...model.dims.series, ...model.dims.observation];
  const positions = new Map();
  for (const d of allDims) {
    const kp = d.def.keyPosition;
    if (!isInt(kp) || kp < 0) continue;
    if (positions.has(kp)) err(at(d.path, 'keyPosition'), `keyPosition ${kp} is also used by ${positions.get(kp).path} [guide: component]`);
    else positions.set(kp, d);
  }
  if (positions.size === allDims.length) {
    for (let k = 0; k < allDims.length; k++) {
      if (!positions.has(k)) {
        err(at(path, 'dimensions'), `keyPositions must be 0..${allDims.length - 1} (one per dimension of the DSD), but ${k} is missing [guide: component]`);
        break;
      }
    }
    model.dimsByPosition = [...positions.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
  }
  const ids = new Map();
  const allComponents = [...allDims, ...model.measures.filter((m) => !m.path.endsWith('(implicit OBS_VALUE)')),
    ...model.attrs.dataSet, ...model.attrs.dimensionGroup, ...model.attrs.series, ...model.attrs.observation];
  for (const c of allComponents) {
    if (typeof c.def.id !== 'string') continue;
    if (ids.has(c.def.id)) err(at(c.path, 'id'), `component id "${c.def.id}" is also used by ${ids.get(c.def.id)} [policy: SDMX component ids are unique within a structure]`);
    else ids.set(c.def.id, c.path);
  }
  for (const c of [...model.dims.dataSet, ...model.attrs.dataSet]) {
    if (Array.isArray(c.def.values) && c.def.values.length > 1) {
      err(at(c.path, 'values'), `a component presented at dataSet level has one single value, found ${c.def.values.length} [guide: component]`);
    }
  }
  const dimIds = new Set(allDims.map((d) => d.def.id));
  const measureIds = new Set(model.measures.map((m) => m.def.id));
  for (const r of relRefs) {
    for (const [id, p] of r.dimensions) if (!dimIds.has(id)) err(p, `no dimension "${id}" in this structure [schema: AttributeRelationshipType]`);
    for (const [id, p] of r.measures) if (!measureIds.has(id)) err(p, `no measure "${id}" in this structure [schema: AttributeRelationshipType]`);
  }
  return model;
}

// ---------------------------------------------------------------------------------------------
// dataSets

// One slot of a measure or attribute: an index when the component lists its values.
function slot(v, comp, path, what) {
  const vals = comp.def.values;
  const name = typeof comp.def.id === 'string' ? `"${comp.def.id}"` : comp.path;
  if (Array.isArray(vals)) {
    if (v === null) return;
    if (!isInt(v)) {
      err(path, `${what} ${name} lists its values, so this slot must be an index into ${comp.path}.values (or null), found ${kindOf(v)} ${JSON.stringify(v)} [guide: handling indexes]`);
    } else if (v < 0 || v >= vals.length) {
      err(path, `index ${v} is out of range for ${what} ${name}: ${comp.path}.values has ${vals.length} item(s) [guide: handling indexes]`);
    }
    return;
  }
  dataValue(v, path, 'schema: dataSet');
}

function slotList(v, comps, path, what, rule) {
  if (!want(v, path, 'array', rule)) return;
  if (v.length > comps.length) {
    err(path, `has ${v.length} slots but the structure has ${comps.length} ${what}(s) at this level [${rule}]`);
  }
  v.forEach((x, i) => {
    if (i < comps.length) slot(x, comps[i], at(path, i), what);
    else dataValue(x, at(path, i), 'schema: dataSet');
  });
}

// Checks a key of one index per dimension in dims; returns true when well formed.
function dimensionKey(key, dims, path, levelName) {
  const parts = key.split(':');
  if (parts.length !== dims.length) {
    err(path, `key "${key}" has ${parts.length} index(es) but there ${dims.length === 1 ? 'is 1 dimension' : `are ${dims.length} dimensions`} at ${levelName} level${dims.length ? ` (${dims.map((d) => d.def.id).join(', ')})` : ''} [guide: ${levelName === 'observation' ? 'observations' : 'series'}]`);
    return false;
  }
  let ok = true;
  parts.forEach((part, i) => {
    const idx = Number(part);
    const vals = dims[i].def.values;
    if (Array.isArray(vals) && idx >= vals.length) {
      err(path, `index ${idx} (position ${i}) is out of range for dimension "${dims[i].def.id}": ${dims[i].path}.values has ${vals.length} item(s) [guide: handling indexes]`);
      ok = false;
    }
  });
  return ok;
}

function observation(arr, model, path) {
  const rule = 'guide: observations';
  if (!Array.isArray(arr)) { err(path, `an observation must be an array, found ${kindOf(arr)} [schema: dataSet]`); return; }
  const M = model.measures.length;
  const A = model.attrs.observation.length;
  if (arr.length < M) {
    err(path, `has ${arr.length} element(s) but the structure has ${M} measure(s); the array starts with one slot per measure (null for a missing value) [${rule}]`);
  }
  arr.forEach((x, i) => {
    const p = at(path, i);
    if (i < M) slot(x, model.measures[i], p, 'measure');
    else if (i < M + A) slot(x, model.attrs.observation[i - M], p, 'attribute');
    else if (!isInt(x) || x < 0 || x >= model.nAnn) {
      const range = model.nAnn ? `an integer 0..${model.nAnn - 1} (structure.annotations has ${model.nAnn} item(s))` : 'an index into structure.annotations, which is empty or absent';
      err(p, `element ${i} comes after the ${M} measure and ${A} observation-attribute slot(s), so it is read as an annotation index; it must be ${range}, found ${JSON.stringify(x)} [${rule}]`);
    }
  });
}

function observations(obj, model, path, counter) {
  const rule = 'schema: dataSet';
  if (!want(obj, path, 'object', rule)) return;
  for (const [key, arr] of Object.entries(obj)) {
    const p = at(path, key);
    counter.n++;
    if (!OBS_KEY.test(key)) {
      err(p, `observation key must be value indexes joined by ":" (pattern ^[0-9]+(:[0-9]+)*$) [${rule}]`);
    } else if (model.hasDims) {
      dimensionKey(key, model.dims.observation, p, 'observation');
    }
    observation(arr, model, p);
  }
}

function dimensionGroupAttributes(obj, model, path) {
  const rule = 'schema: dataSet';
  if (!want(obj, path, 'object', rule)) return;
  const dims = model.dimsByPosition;
  for (const [key, v] of Object.entries(obj)) {
    const p = at(path, key);
    const parts = key.split(':');
    if (!parts.every((x) => /^[0-9]*$/.test(x)) || parts.every((x) => x === '')) {
      err(p, `key must be one position per dimension, each empty or a value index, joined by ":" (e.g. "0::1"), with at least one index [guide: dimensionGroupAttributes]`);
    } else if (dims.length && parts.length !== dims.length) {
      err(p, `key has ${parts.length} position(s) but the structure has ${dims.length} dimensions (one position per keyPosition) [guide: dimensionGroupAttributes]`);
    } else if (dims.length) {
      parts.forEach((x, i) => {
        if (x === '') return;
        const vals = dims[i].def.values;
        if (Array.isArray(vals) && +x >= vals.length) {
          err(p, `index ${x} at keyPosition ${i} is out of range for dimension "${dims[i].def.id}" (${vals.length} value(s)) [guide: handling indexes]`);
        }
      });
    }
    slotList(v, model.attrs.dimensionGroup, p, 'dimensionGroup attribute', 'guide: dimensionGroupAttributes');
  }
}

function dataSet(ds, model, path, counter) {
  const rule = 'schema: dataSet';
  if (!want(ds, path, 'object', rule)) return;
  if (!has(ds, 'links')) err(path, `missing required member "links" (an empty array [] satisfies the schema) [${rule}]`);
  else links(ds.links, at(path, 'links'));
  if (has(ds, 'action')) {
    const ok = want(ds.action, at(path, 'action'), 'string', rule);
    if (ok && !['Information', 'Append', 'Replace', 'Delete'].includes(ds.action)) {
      err(at(path, 'action'), `"${ds.action}" is not one of Information, Append, Replace, Delete [${rule}]`);
    }
  }
  optString(ds, path, ['reportingBegin', 'reportingEnd', 'publicationYear', 'publicationPeriod'], rule);
  for (const k of ['validFrom', 'validTo']) if (has(ds, k)) dateTime(ds[k], at(path, k), rule);
  if (has(ds, 'annotations')) annotationRefs(ds.annotations, at(path, 'annotations'), rule, model.nAnn);
  if (has(ds, 'attributes')) slotList(ds.attributes, model.attrs.dataSet, at(path, 'attributes'), 'dataSet attribute', 'guide: dataSet');
  if (has(ds, 'dimensionGroupAttributes')) dimensionGroupAttributes(ds.dimensionGroupAttributes, model, at(path, 'dimensionGroupAttributes'));

  const flat = has(ds, 'observations');
  const grouped = has(ds, 'series');
  if (flat && grouped) err(path, 'has both "observations" and "series"; a dataSet is either a flat list of observations or a set of series [guide: dataSet]');
  if (flat) {
    if (model.dims.series.length) {
      err(at(path, 'observations'), `a flat dataSet cannot carry the ${model.dims.series.length} series-level dimension(s) (${model.dims.series.map((d) => d.def.id).join(', ')}); present them at observation level or use "series" [guide: dataSet]`);
    }
    observations(ds.observations, model, at(path, 'observations'), counter);
  }
  if (grouped) {
    const sp = at(path, 'series');
    if (want(ds.series, sp, 'object', rule)) {
      if (model.hasDims && model.dims.series.length === 0 && Object.keys(ds.series).length) {
        err(sp, 'series are used but the structure has no series-level dimensions (dimensions.series) [guide: series]');
      }
      for (const [key, s] of Object.entries(ds.series)) {
        const p = at(sp, key);
        if (!OBS_KEY.test(key)) err(p, `series key must be value indexes joined by ":" (pattern ^[0-9]+(:[0-9]+)*$) [${rule}]`);
        else if (model.hasDims && model.dims.series.length) dimensionKey(key, model.dims.series, p, 'series');
        if (!want(s, p, 'object', rule)) continue;
        closed(s, p, ['annotations', 'attributes', 'observations'], rule);
        if (has(s, 'annotations')) annotationRefs(s.annotations, at(p, 'annotations'), rule, model.nAnn);
        if (has(s, 'attributes')) slotList(s.attributes, model.attrs.series, at(p, 'attributes'), 'series attribute', 'guide: series');
        if (has(s, 'observations')) observations(s.observations, model, at(p, 'observations'), counter);
      }
    }
  }
  if (!flat && !grouped) warn(path, 'dataSet holds neither "observations" nor "series"');
}

// ---------------------------------------------------------------------------------------------
// Message

function data(d, path, counter) {
  const rule = 'schema: root';
  if (!want(d, path, 'object', rule)) return;
  if (has(d, 'structure')) err(at(path, 'structure'), '"structure" (singular) is the pre-2.0 layout; SDMX-JSON 2.0 uses "structures", an array [policy: 2.0 layout]');
  let structures = [];
  if (!has(d, 'structures')) err(path, 'missing "structures" (array of structure objects) [policy: a data message carries its structure]');
  else if (want(d.structures, at(path, 'structures'), 'array', rule)) {
    structures = d.structures;
    if (structures.length === 0) err(at(path, 'structures'), 'must hold at least one structure [policy: a data message carries its structure]');
  }
  let dataSets = [];
  if (!has(d, 'dataSets')) err(path, 'missing "dataSets" (array of dataSet objects) [policy: a data message carries data]');
  else if (want(d.dataSets, at(path, 'dataSets'), 'array', rule)) dataSets = d.dataSets;

  const models = structures.map((s, i) => structure(s, at(at(path, 'structures'), i)));

  const owner = [];
  dataSets.forEach((ds, j) => {
    const p = at(at(path, 'dataSets'), j);
    let s = 0;
    if (isObj(ds) && has(ds, 'structure')) {
      if (!want(ds.structure, at(p, 'structure'), 'integer', 'schema: dataSet')) { owner[j] = -1; return; }
      s = ds.structure;
    }
    owner[j] = s;
    if (s < 0 || s >= models.length) {
      err(has(ds, 'structure') ? at(p, 'structure') : p, `refers to structure ${s} but data.structures has ${models.length} item(s) [guide: dataSet]`);
      if (isObj(ds) && !has(ds, 'links')) err(p, 'missing required member "links" (an empty array [] satisfies the schema) [schema: dataSet]');
      return;
    }
    const listed = models[s].listedDataSets;
    if (listed && !listed.some(([x]) => x === j)) {
      err(p, `uses structure ${s}, but data.structures[${s}].dataSets does not list dataSet ${j} [guide: structure]`);
    }
    dataSet(ds, models[s], p, counter);
  });
  models.forEach((m, s) => {
    for (const [j, p] of m.listedDataSets || []) {
      if (j < 0 || j >= dataSets.length) err(p, `dataSet index ${j} is out of range: data.dataSets has ${dataSets.length} item(s) [guide: structure]`);
      else if (owner[j] !== undefined && owner[j] !== -1 && owner[j] !== s) {
        err(p, `lists dataSet ${j}, but that dataSet uses structure ${owner[j]} [guide: dataSet]`);
      }
    }
  });
}

function statusMessages(v, path) {
  const rule = 'schema: statusMessage';
  if (!want(v, path, 'array', rule)) return;
  v.forEach((e, i) => {
    const p = at(path, i);
    if (!want(e, p, 'object', rule)) return;
    if (required(e, p, ['code'], rule)) want(e.code, at(p, 'code'), 'number', rule);
    optString(e, p, ['title', 'detail'], rule);
    for (const k of ['titles', 'details']) if (has(e, k)) localised(e[k], at(p, k), rule);
    if (has(e, 'links')) links(e.links, at(p, 'links'));
  });
}

function message(msg, counter) {
  if (!isObj(msg)) { err('$', `the message must be a JSON object, found ${kindOf(msg)} [schema: root]`); return; }
  const moved = { header: '"meta"', structure: '"data.structures" (an array)', dataSets: '"data.dataSets"' };
  for (const k of Object.keys(msg)) {
    if (has(moved, k)) err(at('$', k), `"${k}" is an SDMX-JSON 1.0 root member; in 2.0 it is ${moved[k]} [policy: 2.0 layout]`);
    else if (!['meta', 'data', 'errors'].includes(k)) warn(at('$', k), 'unknown root member (the schema tolerates it)');
  }
  if (has(msg, 'data') && has(msg, 'errors')) err('$', '"data" and "errors" must not both be present [guide: message]');
  if (has(msg, 'errors')) statusMessages(msg.errors, at('$', 'errors'));
  if (!has(msg, 'meta')) err('$', 'missing "meta" (id, prepared, sender) [policy: required for our data messages; optional in the schema]');
  else meta(msg.meta, at('$', 'meta'));
  if (!has(msg, 'data')) err('$', 'missing "data" (structures and dataSets) [policy: required for a data message; optional in the schema]');
  else data(msg.data, at('$', 'data'), counter);
}

// Lists the paths of keys that occur twice in one object. The text is already known to be
// valid JSON, so this walker does not need to report syntax errors.
function duplicateKeys(text) {
  const found = [];
  let i = 0;
  const space = () => { while (i < text.length && ' \t\n\r'.includes(text[i])) i++; };
  const string = () => {
    const start = i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i));
  };
  // Iterative walk with an explicit stack, so deep nesting cannot overflow.
  const stack = [];
  const value = (path) => {
    space();
    const c = text[i];
    if (c === '{') { i++; stack.push({ obj: true, path, seen: new Set(), n: 0 }); return; }
    if (c === '[') { i++; stack.push({ obj: false, path, n: 0 }); return; }
    if (c === '"') { string(); return; }
    while (i < text.length && !',]} \t\n\r'.includes(text[i])) i++;
  };
  value('$');
  while (stack.length) {
    const top = stack[stack.length - 1];
    space();
    const c = text[i];
    if (c === '}' || c === ']') { i++; stack.pop(); continue; }
    if (c === ',') { i++; space(); }
    if (top.obj) {
      const k = string();
      const p = at(top.path, k);
      if (top.seen.has(k)) found.push(p);
      top.seen.add(k);
      space();
      i++; // the colon
      value(p);
    } else {
      value(at(top.path, top.n++));
    }
  }
  return found;
}

// ---------------------------------------------------------------------------------------------

let text;
try {
  text = readFileSync(FILE, 'utf8');
} catch (e) {
  process.stdout.write(`${FILE}: $: cannot read the file: ${e.message}\n`);
  process.exit(1);
}
if (text.charCodeAt(0) === 0xfeff) {
  warn('$', 'file starts with a byte order mark; JSON producers must not add one (RFC 8259)');
  text = text.slice(1);
}
let msg;
try {
  msg = JSON.parse(text);
} catch (e) {
  process.stdout.write(`${FILE}: $: not valid JSON: ${e.message}\n`);
  process.exit(1);
}
for (const p of duplicateKeys(text)) err(p, 'this key occurs more than once in the same object (a parser keeps only one of them) [policy: RFC 8259 unique names]');

const counter = { n: 0 };
message(msg, counter);

if (notes.length) process.stderr.write(`${notes.join('\n')}\n`);
if (problems.length) {
  process.stdout.write(`${problems.join('\n')}\n`);
  process.exit(1);
}
process.stdout.write(`${FILE}: valid SDMX-JSON 2.0 data message (${counter.n} observations)\n`);
