package org.mixedmodels.engine.formula;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses lme4's formula notation into a {@link Formula}.
 *
 * <p>Grammar (operator precedence as in R, tightest first: {@code ^}, {@code :}, {@code * /},
 * {@code + -}):
 *
 * <pre>
 * formula  = name '~' sum
 * sum      = ['-'] product (('+' | '-') product)*
 * product  = interact (('*' | '/') interact)*
 * interact = power (':' power)*
 * power    = primary ['^' integer]
 * primary  = name | '0' | '1' | '(' sum ')' | '(' sum ('|' | '||') sum ')' | structure '(' name '|' name ')'
 * name     = identifier | `backtick quoted`
 * </pre>
 *
 * The fixed part is expanded as R's {@code terms()} does: {@code a*b} is {@code a + b + a:b},
 * {@code a/b} is {@code a + a:b}, {@code (a+b)^2} holds all interactions up to order two, {@code -}
 * removes terms, {@code 0 +} or {@code - 1} drops the intercept; terms are then ordered by degree and,
 * within a degree, by first appearance. Random terms follow lme4: {@code (x | g)} has an intercept,
 * {@code (0 + x | g)} has none, {@code (x || g)} is uncorrelated, and {@code (1 | a/b)} is expanded into
 * {@code (1 | b:a)} and {@code (1 | a)} as lme4's {@code expandSlash} does.
 */
public final class FormulaParser {

    private enum Kind { NAME, NUMBER, TILDE, PLUS, MINUS, STAR, COLON, SLASH, CARET, LPAREN, RPAREN, BAR, DOUBLE_BAR, END }

    private record Token(Kind kind, String text, int position) {
        String describe() {
            return kind == Kind.END ? "the end of the formula" : "'" + text + "'";
        }
    }

    // ---- syntax tree ----
    private sealed interface Node permits Name, Constant, Binary, Power, Negate, Paren, Bar, Structure {
        int position();
    }

    private record Name(String name, int position) implements Node { }

    private record Constant(String text, int position) implements Node { }

    private record Binary(Kind op, Node left, Node right, int position) implements Node { }

    private record Power(Node base, int exponent, int position) implements Node { }

    private record Negate(Node operand, int position) implements Node { }

    private record Paren(Node inner, int position) implements Node { }

    private record Bar(Node lhs, Node grouping, boolean doubleBar, int position) implements Node { }

    private record Structure(String structure, Node time, Node subject, int position) implements Node { }

    /**
     * Most tokens (names, numbers, operators) in a formula. The syntax tree of a chain such as
     * {@code a + b + c + ...} is as deep as the chain is long, and it is walked recursively; the bound keeps
     * that depth far below what a thread's stack holds (a sum of about 500 terms is still allowed).
     */
    static final int MAX_TOKENS = 1_000;
    /** Most parentheses open at once: {@code ((((x))))} is parsed recursively. */
    static final int MAX_NESTING = 100;
    /** Most terms the fixed part or a random term's left-hand side may expand into (a*b*c*... doubles them). */
    static final int MAX_TERMS = 10_000;
    /** Most variables in one interaction term or grouping factor (a:b:c:..., a/b/c/...). */
    static final int MAX_TERM_VARIABLES = 100;
    /** Most pairs of terms one interaction or crossing may form before duplicates are removed. */
    private static final long MAX_PAIRS = 1_000_000;

    private final String source;
    private final List<Token> tokens;
    private int next;
    private int nesting;

    private FormulaParser(String source) {
        this.source = source;
        this.tokens = tokenize(source);
    }

    /**
     * Parses a formula such as {@code Reaction ~ Days + (Days | Subject)}.
     *
     * @throws FormulaSyntaxException naming the position and what was expected there
     */
    public static Formula parse(String formula) {
        if (formula == null || formula.isBlank()) {
            throw new FormulaSyntaxException(formula == null ? "" : formula, 0,
                    "the formula is empty; write it as 'response ~ predictors', e.g. 'y ~ x + (1 | subject)'");
        }
        return new FormulaParser(formula).formula();
    }

    // ---- tokenizer ----
    private List<Token> tokenize(String s) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '`') {
                int end = s.indexOf('`', i + 1);
                if (end < 0) {
                    throw error(i, "the quoted name starting here has no closing backtick (`)");
                }
                if (end == i + 1) {
                    throw error(i, "empty quoted name ``");
                }
                out.add(new Token(Kind.NAME, s.substring(i + 1, end), i));
                i = end + 1;
            } else if (Character.isLetter(c) || c == '.' && !(i + 1 < s.length() && Character.isDigit(s.charAt(i + 1)))) {
                int start = i;
                while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '.' || s.charAt(i) == '_')) {
                    i++;
                }
                out.add(new Token(Kind.NAME, s.substring(start, i), start));
            } else if (Character.isDigit(c) || c == '.') {
                int start = i;
                while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
                    i++;
                }
                out.add(new Token(Kind.NUMBER, s.substring(start, i), start));
            } else {
                String shown = new String(Character.toChars(s.codePointAt(i)));
                Kind kind = switch (c) {
                    case '~' -> Kind.TILDE;
                    case '+' -> Kind.PLUS;
                    case '-' -> Kind.MINUS;
                    case '*' -> Kind.STAR;
                    case ':' -> Kind.COLON;
                    case '/' -> Kind.SLASH;
                    case '^' -> Kind.CARET;
                    case '(' -> Kind.LPAREN;
                    case ')' -> Kind.RPAREN;
                    case '|' -> Kind.BAR;
                    default -> throw error(i, "unexpected character '" + shown + "'; column names with spaces or symbols"
                            + " must be quoted in backticks, e.g. `body weight`");
                };
                if (kind == Kind.BAR && i + 1 < s.length() && s.charAt(i + 1) == '|') {
                    out.add(new Token(Kind.DOUBLE_BAR, "||", i));
                    i += 2;
                } else {
                    out.add(new Token(kind, String.valueOf(c), i));
                    i++;
                }
            }
        }
        out.add(new Token(Kind.END, "", s.length()));
        if (out.size() - 1 > MAX_TOKENS) {
            throw error(out.get(MAX_TOKENS).position, "the formula is too long: it has " + (out.size() - 1)
                    + " names and operators, at most " + MAX_TOKENS + " are supported");
        }
        return out;
    }

    // ---- recursive descent ----
    private Token peek() {
        return tokens.get(next);
    }

    private Token take() {
        return tokens.get(next++);
    }

    private Token expect(Kind kind, String what) {
        Token t = peek();
        if (t.kind != kind) {
            throw error(t.position, "expected " + what + " but found " + t.describe() + spacedNameHint());
        }
        return take();
    }

    /**
     * When the current token is a name right after another name ({@code reaction time}), the likely cause: a column
     * name with a space, which must be quoted; otherwise "".
     */
    private String spacedNameHint() {
        if (next > 0 && peek().kind == Kind.NAME && tokens.get(next - 1).kind == Kind.NAME) {
            return "; a column name with spaces or symbols must be quoted in backticks, e.g. `"
                    + tokens.get(next - 1).text + " " + peek().text + "`";
        }
        return "";
    }

    private Formula formula() {
        Token first = peek();
        if (first.kind == Kind.TILDE) {
            throw error(first.position, "the response is missing; write it before '~', e.g. 'y ~ x'");
        }
        Token response = expect(Kind.NAME, "the response column");
        if (peek().kind == Kind.LPAREN) {
            throw error(peek().position, FACTOR_FUNCTIONS.contains(response.text)
                    ? "the response must be numeric, so " + response.text + "(...) cannot be the response"
                    : "functions of columns such as " + response.text + "(...) are not supported; compute the column first");
        }
        expect(Kind.TILDE, "'~' after the response");
        if (peek().kind == Kind.END) {
            throw error(peek().position, "expected the predictors after '~', e.g. '1 + (1 | subject)'");
        }
        Node rhs = sum();
        if (peek().kind != Kind.END) {
            Token t = peek();
            String hint = t.kind == Kind.RPAREN ? "; this ')' has no matching '('"
                    : t.kind == Kind.BAR || t.kind == Kind.DOUBLE_BAR
                            ? "; a random-effect term must be in parentheses, e.g. (1 | subject)" : spacedNameHint();
            throw error(t.position, "expected '+', '-', '*', ':', '/' or the end of the formula but found "
                    + t.describe() + hint);
        }
        return new Assembler(response.text).assemble(rhs);
    }

    private Node sum() {
        Node left;
        Token t = peek();
        if (t.kind == Kind.MINUS) {
            take();
            left = new Negate(product(), t.position);
        } else if (t.kind == Kind.PLUS) {
            take();
            left = product();
        } else {
            left = product();
        }
        while (peek().kind == Kind.PLUS || peek().kind == Kind.MINUS) {
            Token op = take();
            left = new Binary(op.kind, left, product(), op.position);
        }
        return left;
    }

    private Node product() {
        Node left = interact();
        while (peek().kind == Kind.STAR || peek().kind == Kind.SLASH) {
            Token op = take();
            left = new Binary(op.kind, left, interact(), op.position);
        }
        return left;
    }

    private Node interact() {
        Node left = power();
        while (peek().kind == Kind.COLON) {
            Token op = take();
            left = new Binary(op.kind, left, power(), op.position);
        }
        return left;
    }

    private Node power() {
        Node base = primary();
        if (peek().kind == Kind.CARET) {
            Token op = take();
            Token n = peek();
            if (n.kind != Kind.NUMBER || !n.text.matches("[1-9][0-9]?")) {
                throw error(n.position, "expected a whole number from 1 to 99 after '^' but found " + n.describe());
            }
            take();
            return new Power(base, Integer.parseInt(n.text), op.position);
        }
        return base;
    }

    private Node primary() {
        Token t = peek();
        switch (t.kind) {
            case NAME -> {
                take();
                if (peek().kind == Kind.LPAREN) {
                    return call(t);
                }
                return new Name(t.text, t.position);
            }
            case NUMBER -> {
                take();
                if (!t.text.equals("0") && !t.text.equals("1")) {
                    throw error(t.position, "the number " + t.text + " is not a term; only 0 and 1 (no intercept,"
                            + " intercept) may appear in a formula");
                }
                return new Constant(t.text, t.position);
            }
            case LPAREN -> {
                take();
                enter(t);
                Node inner = sum();
                Token after = peek();
                if (after.kind == Kind.BAR || after.kind == Kind.DOUBLE_BAR) {
                    take();
                    if (peek().kind == Kind.RPAREN) {
                        throw error(peek().position, "expected the grouping factor after '" + after.text
                                + "', e.g. (1 | subject)");
                    }
                    Node grouping = sum();
                    expect(Kind.RPAREN, "')' to close the random-effect term opened at position " + (t.position + 1));
                    nesting--;
                    return new Bar(inner, grouping, after.kind == Kind.DOUBLE_BAR, t.position);
                }
                expect(Kind.RPAREN, "')' to close the '(' at position " + (t.position + 1));
                nesting--;
                return new Paren(inner, t.position);
            }
            default -> throw error(t.position, "expected a column name, 0, 1 or '(' but found " + t.describe());
        }
    }

    /** R's functions that make a column categorical; the variable keeps the call as its name, as R does. */
    static final java.util.Set<String> FACTOR_FUNCTIONS = java.util.Set.of("factor", "as.factor");

    /**
     * {@code factor(x)} (a variable named {@code factor(x)}, which the data frame answers with column x as
     * categorical, so coefficients are named as R's, {@code factor(x)185}); {@code ar1(visit | subject)} and
     * friends; any other function is refused.
     */
    private Node call(Token name) {
        String fn = name.text;
        if (FACTOR_FUNCTIONS.contains(fn)) {
            enter(take()); // '('
            Token column = peek();
            if (column.kind != Kind.NAME) {
                throw error(column.position, fn + "() takes one column name, e.g. " + fn + "(dose), but found "
                        + column.describe());
            }
            take();
            if (peek().kind != Kind.RPAREN) {
                throw error(peek().position, fn + "() takes one column name, e.g. " + fn + "(dose); expected ')' but"
                        + " found " + peek().describe());
            }
            take();
            nesting--;
            return new Name(fn + "(" + column.text + ")", name.position);
        }
        if (!ResidualTerm.STRUCTURES.contains(fn)) {
            throw error(name.position, "functions of columns such as " + fn + "(...) are not supported; compute the"
                    + " column first (e.g. with a Math Formula node) and use it by name; factor(x) makes a column"
                    + " categorical. Residual covariance terms are "
                    + String.join(", ", ResidualTerm.STRUCTURES.stream().sorted().toList()));
        }
        enter(take()); // '('
        Node time = sum();
        expect(Kind.BAR, "'|' in " + fn + "(time | subject)");
        Node subject = sum();
        expect(Kind.RPAREN, "')' to close " + fn + "(");
        nesting--;
        return new Structure(fn, time, subject, name.position);
    }

    /** Counts an opened parenthesis; refuses nesting deeper than {@link #MAX_NESTING}. */
    private void enter(Token open) {
        if (++nesting > MAX_NESTING) {
            throw error(open.position, "parentheses are nested more than " + MAX_NESTING + " deep");
        }
    }

    private FormulaSyntaxException error(int position, String problem) {
        return new FormulaSyntaxException(source, position, problem);
    }

    // ---- from syntax tree to terms ----

    /** A set of terms with the intercept as R's formula algebra tracks it. */
    private static final class TermSet {
        /** In order of first appearance; hashed, so that long sums and big crossings are not quadratic to build. */
        private final Map<TermKey, Set<String>> byKey = new java.util.LinkedHashMap<>();
        /** null: not specified; TRUE: '1' given; FALSE: '0' given. */
        Boolean intercept;

        void add(Set<String> term) {
            byKey.putIfAbsent(new TermKey(term), term);
        }

        void remove(Set<String> term) {
            byKey.remove(new TermKey(term));
        }

        java.util.Collection<Set<String>> terms() {
            return byKey.values();
        }

        int size() {
            return byKey.size();
        }
    }

    /**
     * A term as a hash key. {@link Set#hashCode} is the sum of the names' hashes, and names such as x1, x2, ...
     * have nearly equal hashes, so the sums of different terms collide wholesale; each name's hash is mixed first.
     */
    private static final class TermKey {
        private final Set<String> variables;
        private final int hash;

        TermKey(Set<String> variables) {
            this.variables = variables;
            long h = 0;
            for (String v : variables) {
                long z = v.hashCode() * 0x9E3779B97F4A7C15L;
                z = (z ^ (z >>> 31)) * 0xBF58476D1CE4E5B9L;
                h += z ^ (z >>> 29); // a sum: the order of the variables does not matter, as for the set
            }
            this.hash = (int) (h ^ (h >>> 32));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof TermKey k && k.hash == hash && k.variables.equals(variables);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    private final class Assembler {
        private final String response;
        private final List<RandomTerm> randomTerms = new ArrayList<>();
        private final List<ResidualTerm> residualTerms = new ArrayList<>();

        Assembler(String response) {
            this.response = response;
        }

        Formula assemble(Node rhs) {
            List<Node> fixedItems = new ArrayList<>();
            List<Boolean> fixedSigns = new ArrayList<>();
            splitTopLevel(rhs, true, fixedItems, fixedSigns);
            TermSet fixed = combine(fixedItems, fixedSigns);
            boolean intercept = fixed.intercept == null || fixed.intercept;
            List<Term> fixedTerms = ordered(fixed, fixedItems);
            for (Term term : fixedTerms) {
                if (term.variables().contains(response)) {
                    throw error(0, "the response '" + response + "' also appears among the predictors; remove it there");
                }
            }
            long structures = residualTerms.stream().filter(r -> !r.isVarIdent()).count();
            long varIdents = residualTerms.size() - structures;
            if (structures > 1) {
                throw error(0, "a model takes at most one residual covariance term; found " + structures);
            }
            if (varIdents > 1) {
                throw error(0, "a model takes at most one varident(...) term; found " + varIdents);
            }
            if (structures == 1 && varIdents == 1) {
                ResidualTerm a = residualTerms.get(0);
                ResidualTerm b = residualTerms.get(1);
                if (!a.subject().equals(b.subject())) {
                    throw error(0, "the residual terms " + a.structure() + "(... | " + a.subject() + ") and "
                            + b.structure() + "(... | " + b.subject() + ") must name the same subject");
                }
            }
            return new Formula(response, intercept, fixedTerms, randomTerms, residualTerms, source);
        }

        /** Flattens the top-level sum; random and residual terms are taken out, the rest kept with its sign. */
        private void splitTopLevel(Node node, boolean plus, List<Node> items, List<Boolean> signs) {
            if (node instanceof Binary b && (b.op == Kind.PLUS || b.op == Kind.MINUS)) {
                splitTopLevel(b.left, plus, items, signs);
                splitTopLevel(b.right, b.op == Kind.PLUS, items, signs);
            } else if (node instanceof Negate n) {
                splitTopLevel(n.operand, !plus, items, signs);
            } else if (node instanceof Paren p && containsBar(p.inner)) {
                splitTopLevel(p.inner, plus, items, signs);
            } else if (node instanceof Bar bar) {
                requirePlus(plus, bar);
                randomTerms.addAll(randomTerms(bar));
            } else if (node instanceof Structure s) {
                requirePlus(plus, s);
                String group = null;
                Node subject = s.subject;
                if (subject instanceof Binary b && b.op == Kind.SLASH && !s.structure.equals(ResidualTerm.VARIDENT)) {
                    // us(visit | arm / subject): parameters per level of arm
                    group = singleName(b.left, s.structure + " group");
                    subject = b.right;
                }
                residualTerms.add(new ResidualTerm(s.structure, singleName(s.time, s.structure + " time"),
                        singleName(subject, s.structure + " subject"), group));
            } else {
                items.add(node);
                signs.add(plus);
            }
        }

        private void requirePlus(boolean plus, Node node) {
            if (!plus) {
                throw error(node.position(), "a random-effect or residual term cannot be subtracted; remove it instead");
            }
        }

        private boolean containsBar(Node node) {
            if (node instanceof Bar || node instanceof Structure) {
                return true;
            } else if (node instanceof Binary b) {
                return containsBar(b.left) || containsBar(b.right);
            } else if (node instanceof Negate n) {
                return containsBar(n.operand);
            } else if (node instanceof Paren p) {
                return containsBar(p.inner);
            } else if (node instanceof Power p) {
                return containsBar(p.base);
            }
            return false;
        }

        private TermSet combine(List<Node> items, List<Boolean> signs) {
            TermSet result = new TermSet();
            for (int i = 0; i < items.size(); i++) {
                TermSet part = evaluate(items.get(i));
                if (signs.get(i)) {
                    part.terms().forEach(result::add);
                    limited(result, items.get(i).position());
                    if (part.intercept != null) {
                        result.intercept = part.intercept;
                    }
                } else {
                    part.terms().forEach(result::remove);
                    if (part.intercept != null) {
                        result.intercept = !part.intercept;
                    }
                }
            }
            return result;
        }

        /** R's formula algebra for one summand (no random terms inside). */
        private TermSet evaluate(Node node) {
            TermSet out = new TermSet();
            if (node instanceof Name n) {
                Set<String> term = new LinkedHashSet<>();
                term.add(n.name);
                out.add(term);
            } else if (node instanceof Constant n) {
                out.intercept = n.text.equals("1");
            } else if (node instanceof Paren p) {
                List<Node> items = new ArrayList<>();
                List<Boolean> signs = new ArrayList<>();
                flattenSum(p.inner, true, items, signs);
                return combine(items, signs);
            } else if (node instanceof Negate n) {
                throw error(n.position, "'-' can only remove terms from a sum");
            } else if (node instanceof Bar b) {
                throw error(b.position, "a random-effect term (... | ...) can only be added to the formula with '+',"
                        + " not combined with '*', ':', '/' or '^'");
            } else if (node instanceof Structure s) {
                throw error(s.position, "a residual term " + s.structure + "(...) can only be added with '+'");
            } else if (node instanceof Power p) {
                TermSet base = noIntercept(evaluate(p.base), p.base);
                TermSet acc = base;
                for (int k = 1; k < p.exponent; k++) {
                    int before = acc.size();
                    acc = cross(acc, base, p.position);
                    if (acc.size() == before) {
                        break; // every interaction is already there: higher powers add nothing
                    }
                }
                return acc;
            } else if (node instanceof Binary b) {
                // A chain a:b:c:... (or a*b*..., a/b/...) is a left-deep tree as long as the chain; it is walked
                // down its left spine iteratively, so that its length does not become recursion depth.
                java.util.ArrayDeque<Binary> spine = new java.util.ArrayDeque<>();
                Node leftmost = b;
                while (leftmost instanceof Binary lb && lb.op != Kind.PLUS && lb.op != Kind.MINUS) {
                    spine.push(lb);
                    leftmost = lb.left;
                }
                TermSet acc = noIntercept(evaluate(leftmost), leftmost);
                while (!spine.isEmpty()) {
                    Binary op = spine.pop();
                    acc = combineBinary(op, acc, noIntercept(evaluate(op.right), op.right));
                }
                return acc;
            }
            return out;
        }

        /** {@code left op right} for the operators ':', '*' and '/'. */
        private TermSet combineBinary(Binary b, TermSet left, TermSet right) {
            switch (b.op) {
                case COLON -> {
                    return interaction(left, right, b.position);
                }
                case STAR -> {
                    return cross(left, right, b.position);
                }
                case SLASH -> {
                    // a/b = a + (all variables of a):b, as R's terms() expands nesting.
                    Set<String> all = new LinkedHashSet<>();
                    left.terms().forEach(all::addAll);
                    checkVariableCount(all.size(), b.position);
                    TermSet outer = new TermSet();
                    outer.add(all);
                    TermSet result = new TermSet();
                    left.terms().forEach(result::add);
                    interaction(outer, right, b.position).terms().forEach(result::add);
                    return limited(result, b.position);
                }
                default -> throw new IllegalStateException("sum handled by combine: " + b.op);
            }
        }

        private void flattenSum(Node node, boolean plus, List<Node> items, List<Boolean> signs) {
            if (node instanceof Binary b && (b.op == Kind.PLUS || b.op == Kind.MINUS)) {
                flattenSum(b.left, plus, items, signs);
                flattenSum(b.right, b.op == Kind.PLUS, items, signs);
            } else if (node instanceof Negate n) {
                flattenSum(n.operand, !plus, items, signs);
            } else {
                items.add(node);
                signs.add(plus);
            }
        }

        private TermSet noIntercept(TermSet set, Node node) {
            if (set.intercept != null) {
                throw error(node.position(), "0 and 1 can only be added or subtracted, not used in '*', ':', '/' or '^'");
            }
            return set;
        }

        private TermSet interaction(TermSet a, TermSet b, int position) {
            if ((long) a.size() * b.size() > MAX_PAIRS) {
                throw tooManyTerms(position);
            }
            TermSet out = new TermSet();
            for (Set<String> x : a.terms()) {
                for (Set<String> y : b.terms()) {
                    Set<String> term = new LinkedHashSet<>(x);
                    term.addAll(y);
                    checkVariableCount(term.size(), position);
                    out.add(term);
                    limited(out, position);
                }
            }
            return limited(out, position);
        }

        private TermSet cross(TermSet a, TermSet b, int position) {
            TermSet out = new TermSet();
            a.terms().forEach(out::add);
            b.terms().forEach(out::add);
            interaction(a, b, position).terms().forEach(out::add);
            return limited(out, position);
        }

        /** The set, unless it holds more than {@link #MAX_TERMS} terms. */
        private TermSet limited(TermSet set, int position) {
            if (set.size() > MAX_TERMS) {
                throw tooManyTerms(position);
            }
            return set;
        }

        private void checkVariableCount(int count, int position) {
            if (count > MAX_TERM_VARIABLES) {
                throw error(position, "an interaction or nesting of more than " + MAX_TERM_VARIABLES
                        + " variables is not supported");
            }
        }

        private FormulaSyntaxException tooManyTerms(int position) {
            return error(position, "the formula expands into more than " + MAX_TERMS + " terms (a*b*c*... and (...)^n"
                    + " form every interaction of their variables); write the interactions wanted with ':' instead");
        }

        /**
         * Orders terms as R's terms(): by degree, then first appearance; variables within a term by their
         * first appearance in the given items.
         */
        private List<Term> ordered(TermSet set, List<Node> items) {
            Map<String, Integer> rank = new HashMap<>();
            items.forEach(item -> collectNames(item, rank));
            List<Term> terms = new ArrayList<>();
            for (Set<String> t : set.terms()) {
                List<String> vars = new ArrayList<>(t);
                vars.sort(Comparator.comparingInt(v -> rank.getOrDefault(v, Integer.MAX_VALUE)));
                terms.add(new Term(vars));
            }
            terms.sort(Comparator.comparingInt(Term::degree)); // stable: keeps appearance order within a degree
            return terms;
        }

        private void collectNames(Node node, Map<String, Integer> rank) {
            if (node instanceof Name n) {
                rank.putIfAbsent(n.name, rank.size());
            } else if (node instanceof Binary b) {
                collectNames(b.left, rank);
                collectNames(b.right, rank);
            } else if (node instanceof Power p) {
                collectNames(p.base, rank);
            } else if (node instanceof Negate n) {
                collectNames(n.operand, rank);
            } else if (node instanceof Paren p) {
                collectNames(p.inner, rank);
            }
        }

        private List<RandomTerm> randomTerms(Bar bar) {
            if (containsBar(bar.lhs)) {
                throw error(bar.lhs.position(), "random-effect terms cannot be nested inside each other");
            }
            List<Node> items = new ArrayList<>();
            List<Boolean> signs = new ArrayList<>();
            flattenSum(bar.lhs, true, items, signs);
            TermSet lhs = combine(items, signs);
            boolean intercept = lhs.intercept == null || lhs.intercept;
            List<Term> effects = ordered(lhs, items);
            if (!intercept && effects.isEmpty()) {
                throw error(bar.position, "the random-effect term has neither an intercept nor a slope; write e.g."
                        + " (1 | g) or (0 + x | g)");
            }
            for (Term t : effects) {
                if (t.variables().contains(response)) {
                    throw error(bar.position, "the response '" + response + "' cannot be a random slope");
                }
            }
            List<RandomTerm> out = new ArrayList<>();
            for (List<String> grouping : groupings(bar.grouping)) {
                out.add(new RandomTerm(intercept, effects, grouping, !bar.doubleBar));
            }
            return out;
        }

        /** The grouping factors of one random term, innermost first; several only for nesting a/b. */
        private List<List<String>> groupings(Node node) {
            if (node instanceof Paren p) {
                return groupings(p.inner);
            }
            if (node instanceof Binary b && b.op == Kind.SLASH) {
                List<List<String>> outer = groupings(b.left);
                List<String> inner = new ArrayList<>(interactionNames(b.right));
                for (String v : outer.get(0)) {
                    if (!inner.contains(v)) {
                        inner.add(v);
                    }
                }
                checkVariableCount(inner.size(), b.position);
                List<List<String>> out = new ArrayList<>();
                out.add(inner);
                out.addAll(outer);
                return out;
            }
            List<List<String>> out = new ArrayList<>();
            out.add(interactionNames(node));
            return out;
        }

        private List<String> interactionNames(Node node) {
            if (node instanceof Name n) {
                return List.of(n.name);
            }
            if (node instanceof Paren p) {
                return interactionNames(p.inner);
            }
            if (node instanceof Binary b && b.op == Kind.COLON) {
                List<String> out = new ArrayList<>(interactionNames(b.left));
                for (String v : interactionNames(b.right)) {
                    if (!out.contains(v)) {
                        out.add(v);
                    }
                }
                checkVariableCount(out.size(), b.position);
                return out;
            }
            throw error(node.position(), "the grouping factor must be a column (g), an interaction (a:b) or a nesting"
                    + " (a/b)");
        }

        private String singleName(Node node, String role) {
            if (node instanceof Name n) {
                return n.name;
            }
            throw error(node.position(), "the " + role + " must be a single column name");
        }
    }
}
