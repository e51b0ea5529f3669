"""The hall queuing system (取号): a number for a citizen who checks in at a hall."""
