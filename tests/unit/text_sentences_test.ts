/** @module Unit tests of vibe parsing (sections, bullets, sentences) and noun inflection. */
import assert from "node:assert/strict";
import {
  plural,
  singular,
  snakeCase,
  tableNameFor,
} from "../../functions-shared/text/inflection.ts";
import { parseVibe, splitSentences, vibeSentences } from "../../functions-shared/text/sentences.ts";

Deno.test("splitSentences splits on end punctuation but not abbreviations or decimals", () => {
  assert.deepEqual(
    splitSentences("Prices are e.g. 1.5 dollars. Buyers bid! Do sellers see bids? yes"),
    ["Prices are e.g. 1.5 dollars.", "Buyers bid!", "Do sellers see bids? yes"],
  );
});

Deno.test("parseVibe reads headings, bullets, numbered lists and wrapped prose", () => {
  const vibe = [
    "A marketplace for bikes.",
    "",
    "# Listings",
    "- Listings have a price",
    "* Sellers can edit their listings.",
    "",
    "Features:",
    "1. Buyers can leave a review on an order",
    "   they placed",
    "2) Reviews are public",
    "",
    "Bids",
    "====",
    "**Sellers** can see bids on their listings. Bid amounts must be positive.",
  ].join("\n");
  const sections = parseVibe(vibe);
  assert.deepEqual(sections.map((s) => s.title), [null, "Listings", "Features", "Bids"]);
  assert.deepEqual(vibeSentences(vibe), [
    "A marketplace for bikes.",
    "Listings have a price",
    "Sellers can edit their listings.",
    "Buyers can leave a review on an order they placed",
    "Reviews are public",
    "Sellers can see bids on their listings.",
    "Bid amounts must be positive.",
  ]);
});

Deno.test("lines without end punctuation that start a new thought are separate sentences", () => {
  assert.deepEqual(vibeSentences("Listings have a price\nBuyers can bid\r\nsellers ship"), [
    "Listings have a price",
    "Buyers can bid",
    "sellers ship",
  ]);
  assert.deepEqual(
    vibeSentences("buyers can leave a review on an order and\nsee it later\nbids are public"),
    ["buyers can leave a review on an order and see it later", "bids are public"],
  );
  assert.deepEqual(vibeSentences("book swap app!! members list books"), [
    "book swap app!!",
    "members list books",
  ]);
  assert.deepEqual(vibeSentences(""), []);
  assert.deepEqual(vibeSentences("Bids\u0000 are\tprivate."), ["Bids are private."]);
});

Deno.test("singular, plural and table names", () => {
  const pairs = [
    ["listing", "listings"],
    ["bid", "bids"],
    ["category", "categories"],
    ["address", "addresses"],
    ["box", "boxes"],
    ["person", "people"],
    ["status", "statuses"],
    ["house", "houses"],
  ];
  for (const [one, many] of pairs) {
    assert.equal(plural(one ?? ""), many);
    assert.equal(singular(many ?? ""), one);
  }
  assert.equal(snakeCase("Photo URL"), "photo_url");
  assert.equal(tableNameFor("shipping address"), "shipping_addresses");
  assert.equal(tableNameFor("reviews"), "reviews");
});
