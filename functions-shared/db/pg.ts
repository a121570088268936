/** @module The `pg` driver with its type declarations (the npm package ships none). */
// @ts-types="@types/pg"
import pg from "pg";

export default pg;
