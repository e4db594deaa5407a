package sluice.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Name;

/**
 * A CNAME answered by one server and its target by another: the chain is secure only if both parts are (nsd answers
 * whole chains across the zones it hosts, so the signed-zone tests do not reach this path).
 */
class ValidatedQueriesTest {
    private static final Name ALIAS = Name.fromConstantString("alias.plain.test.");
    private static final Name TARGET = Name.fromConstantString("mx.good.test.");

    @Test
    void anInsecureAliasMakesASecureTargetInsecure() {
        var target = new ValidatedQueries.Raw.Found(List.of(), true, List.of(), TARGET, 300);
        assertThat(ValidatedQueries.chained(target, false, List.of(ALIAS), 60)).isEqualTo(
                new ValidatedQueries.Raw.Found(List.of(), false, List.of(ALIAS), TARGET, 60));
        assertThat(ValidatedQueries.chained(target, true, List.of(ALIAS), 600)).isEqualTo(
                new ValidatedQueries.Raw.Found(List.of(), true, List.of(ALIAS), TARGET, 300));
    }

    @Test
    void anInsecureAliasMakesASecureDenialInsecure() {
        var denial = new ValidatedQueries.Raw.Empty(true, true, 300);
        assertThat(ValidatedQueries.chained(denial, false, List.of(ALIAS), 60))
                .isEqualTo(new ValidatedQueries.Raw.Empty(false, true, 60));
    }
}
