package io.meridian.region.registry;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.net.HttpURLConnection;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.eclipse.hono.client.ClientErrorException;
import org.eclipse.hono.deviceregistry.util.DeviceRegistryUtils;
import org.eclipse.hono.service.management.Filter;
import org.eclipse.hono.service.management.SearchResult;
import org.eclipse.hono.service.management.Sort;

/**
 * Filters, sorts and pages Hono search results in memory, over each resource's management JSON (plus its
 * {@code id}).
 *
 * <p>Supported, as in Hono's Device Registry Management API: {@code eq} with a string (wildcards {@code *}
 * and {@code ?}), a boolean or a number; {@code in} and {@code not_in} with an array of those (exact
 * matches). A field that holds an array matches when any element does. Sorting by any field that holds a
 * string, number or boolean; missing values sort first. {@code pageOffset} counts pages of {@code pageSize}.
 *
 * <p>Not supported, answered with 400 rather than ignored: a filter value that is an object, an array (for
 * {@code eq}) or null, and sorting by a field that holds an object or an array.
 */
final class Search {

    private Search() {
    }

    /**
     * Runs a search.
     *
     * @throws ClientErrorException with status 400 for an unsupported filter or sort option
     */
    static <T> SearchResult<T> run(List<T> items, Function<T, String> id, int pageSize, int pageOffset,
                                   List<Filter> filters, List<Sort> sortOptions) {
        if (pageSize < 0 || pageOffset < 0) {
            throw badRequest("pageSize and pageOffset must not be negative, were " + pageSize + " and " + pageOffset);
        }
        List<Matcher> matchers = filters.stream().map(Search::matcher).toList();
        List<View<T>> matching = new ArrayList<>();
        for (T item : items) {
            JsonObject json = JsonObject.mapFrom(item).put("id", id.apply(item));
            if (matchers.stream().allMatch(m -> m.matches(json))) {
                matching.add(new View<>(item, id.apply(item), json));
            }
        }
        for (Sort sort : sortOptions) {
            for (View<T> v : matching) {
                Object value = sort.getField().queryJson(v.json());
                if (value != null && !isScalar(value)) {
                    throw badRequest("sorting by " + pointer(sort.getField()) + " is not supported: it holds "
                            + (value instanceof JsonArray ? "an array" : "an object"));
                }
            }
        }
        Comparator<View<T>> order = (a, b) -> 0;
        for (Sort sort : sortOptions) {
            Comparator<View<T>> bySort = Comparator.comparing(v -> sort.getField().queryJson(v.json()), Search::compareValues);
            order = order.thenComparing(sort.isAscending() ? bySort : bySort.reversed());
        }
        order = order.thenComparing(View::id);
        matching.sort(order);
        long from = (long) pageOffset * pageSize;
        List<T> page = from >= matching.size() ? List.of()
                : matching.subList((int) from, (int) Math.min(matching.size(), from + pageSize)).stream().map(View::item).toList();
        return new SearchResult<>(matching.size(), page);
    }

    private record View<T>(T item, String id, JsonObject json) {
    }

    @FunctionalInterface
    private interface Matcher {
        boolean matches(JsonObject json);
    }

    private static Matcher matcher(Filter filter) {
        Object value = filter.getValue();
        String field = pointer(filter.getField());
        switch (filter.getOperator()) {
            case eq -> {
                if (value instanceof String text) {
                    Pattern pattern = Pattern.compile(DeviceRegistryUtils.getRegexExpressionForSearchOperation(text));
                    return json -> anyElement(filter.getField().queryJson(json),
                            v -> v instanceof String s && pattern.matcher(s).matches());
                }
                if (value instanceof Boolean || value instanceof Number) {
                    return json -> anyElement(filter.getField().queryJson(json), v -> compareValues(v, value) == 0 && sameKind(v, value));
                }
                throw badRequest("filter on " + field + " is not supported: an eq value must be a string, number or boolean, was "
                        + describe(value));
            }
            case in, not_in -> {
                Collection<?> options = options(value, field);
                boolean in = filter.getOperator() == Filter.Operator.in;
                return json -> {
                    boolean found = anyElement(filter.getField().queryJson(json),
                            v -> options.stream().anyMatch(o -> sameKind(v, o) && compareValues(v, o) == 0));
                    return in == found;
                };
            }
            default -> throw badRequest("filter operator " + filter.getOperator() + " is not supported");
        }
    }

    private static Collection<?> options(Object value, String field) {
        List<?> list;
        if (value instanceof JsonArray array) {
            list = array.getList();
        } else if (value instanceof List<?> l) {
            list = l;
        } else {
            throw badRequest("filter on " + field + " is not supported: in/not_in need an array of values, was " + describe(value));
        }
        for (Object o : list) {
            if (!isScalar(o)) {
                throw badRequest("filter on " + field + " is not supported: in/not_in values must be strings, numbers or booleans, was "
                        + describe(o));
            }
        }
        return list;
    }

    private static boolean anyElement(Object fieldValue, java.util.function.Predicate<Object> test) {
        if (fieldValue instanceof JsonArray array) {
            return array.stream().anyMatch(test);
        }
        return fieldValue != null && test.test(fieldValue);
    }

    private static boolean isScalar(Object value) {
        return value instanceof String || value instanceof Number || value instanceof Boolean;
    }

    private static boolean sameKind(Object a, Object b) {
        return a instanceof Number && b instanceof Number || a != null && b != null && a.getClass() == b.getClass();
    }

    /** Orders null first, then by kind (boolean, number, string), then by value. */
    static int compareValues(Object a, Object b) {
        if (a == null || b == null) {
            return a == null ? (b == null ? 0 : -1) : 1;
        }
        int kinds = Integer.compare(kind(a), kind(b));
        if (kinds != 0) {
            return kinds;
        }
        if (a instanceof Boolean x) {
            return Boolean.compare(x, (Boolean) b);
        }
        if (a instanceof Number x) {
            return new BigDecimal(x.toString()).compareTo(new BigDecimal(b.toString()));
        }
        return a.toString().compareTo(b.toString());
    }

    private static int kind(Object v) {
        return v instanceof Boolean ? 0 : v instanceof Number ? 1 : 2;
    }

    private static String pointer(io.vertx.core.json.pointer.JsonPointer p) {
        return Objects.toString(p.toString());
    }

    private static String describe(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof JsonObject || value instanceof java.util.Map) {
            return "an object";
        }
        if (value instanceof JsonArray || value instanceof List) {
            return "an array";
        }
        return value.getClass().getSimpleName();
    }

    private static ClientErrorException badRequest(String message) {
        return new ClientErrorException(HttpURLConnection.HTTP_BAD_REQUEST, message);
    }
}
