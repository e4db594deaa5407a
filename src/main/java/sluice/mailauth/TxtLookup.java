package sluice.mailauth;

import sluice.dns.TxtAnswer;

/** Where the verifier finds key records; production passes {@code resolver::txt}, tests a map. */
@FunctionalInterface
public interface TxtLookup {
    TxtAnswer txt(String name);
}
