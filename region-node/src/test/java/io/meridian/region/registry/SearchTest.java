package io.meridian.region.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.json.JsonArray;
import java.util.List;
import java.util.Map;
import org.eclipse.hono.client.ClientErrorException;
import org.eclipse.hono.service.management.Filter;
import org.eclipse.hono.service.management.SearchResult;
import org.eclipse.hono.service.management.Sort;
import org.eclipse.hono.service.management.device.Device;
import org.eclipse.hono.service.management.device.DeviceWithId;
import org.junit.jupiter.api.Test;

class SearchTest {

    private static DeviceWithId device(String id, boolean enabled, String color, int watts) {
        Device d = new Device().setEnabled(enabled);
        d.setExtensions(Map.of("color", color, "watts", watts, "tags", List.of("a-" + color, "b")));
        return DeviceWithId.from(id, d);
    }

    private final List<DeviceWithId> devices = List.of(
            device("d1", true, "red", 60), device("d2", false, "blue", 40), device("d3", true, "red", 100),
            device("d4", true, "green", 60), device("d5", false, "red", 7));

    private SearchResult<DeviceWithId> search(int size, int offset, List<Filter> filters, List<Sort> sorts) {
        return Search.run(devices, DeviceWithId::getId, size, offset, filters, sorts);
    }

    private static List<String> ids(SearchResult<DeviceWithId> r) {
        return r.getResult().stream().map(DeviceWithId::getId).toList();
    }

    private static Filter filter(String field, Object value, Filter.Operator op) {
        Filter f = new Filter(field, value);
        f.setOperator(op);
        return f;
    }

    @Test
    void noFilters_returnsAllById_andPagesCountInPages() {
        assertEquals(List.of("d1", "d2"), ids(search(2, 0, List.of(), List.of())));
        assertEquals(List.of("d3", "d4"), ids(search(2, 1, List.of(), List.of())));
        SearchResult<DeviceWithId> last = search(2, 2, List.of(), List.of());
        assertEquals(List.of("d5"), ids(last));
        assertEquals(5, last.getTotal());
        assertEquals(List.of(), ids(search(2, 3, List.of(), List.of())));
    }

    @Test
    void eqFilters_onStringsBooleansAndNumbers_combineWithAnd() {
        SearchResult<DeviceWithId> r = search(10, 0, List.of(new Filter("/ext/color", "red"), new Filter("/enabled", true)), List.of());
        assertEquals(List.of("d1", "d3"), ids(r));
        assertEquals(2, r.getTotal());
        assertEquals(List.of("d1", "d4"), ids(search(10, 0, List.of(new Filter("/ext/watts", 60)), List.of())));
        assertEquals(List.of(), ids(search(10, 0, List.of(new Filter("/ext/watts", "60")), List.of())), "a string never equals a number");
    }

    @Test
    void wildcards_matchWholeValues() {
        assertEquals(List.of("d4"), ids(search(10, 0, List.of(new Filter("/ext/color", "g*")), List.of())));
        assertEquals(List.of("d1", "d3", "d5"), ids(search(10, 0, List.of(new Filter("/ext/color", "r?d")), List.of())));
        assertEquals(List.of(), ids(search(10, 0, List.of(new Filter("/ext/color", "re")), List.of())));
        assertEquals(List.of("d2"), ids(search(10, 0, List.of(new Filter("/id", "*2")), List.of())));
    }

    @Test
    void arrayField_matchesWhenAnElementMatches() {
        assertEquals(List.of("d2"), ids(search(10, 0, List.of(new Filter("/ext/tags", "a-blue")), List.of())));
    }

    @Test
    void inAndNotIn_matchExactly() {
        assertEquals(List.of("d2", "d4"), ids(search(10, 0,
                List.of(filter("/ext/color", new JsonArray().add("blue").add("green"), Filter.Operator.in)), List.of())));
        assertEquals(List.of("d1", "d3", "d5"), ids(search(10, 0,
                List.of(filter("/ext/color", List.of("blue", "green"), Filter.Operator.not_in)), List.of())));
    }

    @Test
    void sort_byNumberDescending_thenById() {
        Sort watts = new Sort("/ext/watts");
        watts.setDirection(Sort.Direction.DESC);
        assertEquals(List.of("d3", "d1", "d4", "d2", "d5"), ids(search(10, 0, List.of(), List.of(watts))));
    }

    @Test
    void sort_missingValuesFirst() {
        Sort missing = new Sort("/ext/nothing");
        Sort color = new Sort("/ext/color");
        assertEquals(List.of("d2", "d4", "d1", "d3", "d5"), ids(search(10, 0, List.of(), List.of(missing, color))));
    }

    @Test
    void objectOrArrayEqValues_areRefusedWith400() {
        for (Object unsupported : new Object[] {Map.of("a", 1), List.of("x")}) {
            ClientErrorException e = assertThrows(ClientErrorException.class,
                    () -> search(10, 0, List.of(new Filter("/ext", unsupported)), List.of()));
            assertEquals(400, e.getErrorCode(), "value " + unsupported);
        }
        ClientErrorException in = assertThrows(ClientErrorException.class,
                () -> search(10, 0, List.of(filter("/ext/color", "red", Filter.Operator.in)), List.of()));
        assertEquals(400, in.getErrorCode());
    }

    @Test
    void sortingByAnObject_isRefusedWith400() {
        ClientErrorException e = assertThrows(ClientErrorException.class, () -> search(10, 0, List.of(), List.of(new Sort("/ext"))));
        assertEquals(400, e.getErrorCode());
    }
}
