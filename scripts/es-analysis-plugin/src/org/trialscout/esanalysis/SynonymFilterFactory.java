/* `synonym_graph` and `synonym`: Solr-format rules, inline (`synonyms`) or in a file (`synonyms_path`). */
package org.trialscout.esanalysis;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.text.ParseException;
import java.util.List;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.synonym.SolrSynonymParser;
import org.apache.lucene.analysis.synonym.SynonymFilter;
import org.apache.lucene.analysis.synonym.SynonymGraphFilter;
import org.apache.lucene.analysis.synonym.SynonymMap;
import org.apache.lucene.util.CharsRef;
import org.apache.lucene.util.CharsRefBuilder;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.index.IndexService.IndexCreationContext;
import org.elasticsearch.index.analysis.AbstractTokenFilterFactory;
import org.elasticsearch.index.analysis.Analysis;
import org.elasticsearch.index.analysis.CharFilterFactory;
import org.elasticsearch.index.analysis.CustomAnalyzer;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.index.analysis.TokenizerFactory;

final class SynonymFilterFactory extends AbstractTokenFilterFactory {
    private final List<String> rules;
    private final String path;
    private final Environment env;
    private final boolean graph;
    private final boolean expand;
    private final boolean lenient;

    SynonymFilterFactory(String name, Settings settings, Environment env, boolean graph) {
        super(name);
        this.rules = settings.getAsList("synonyms", null);
        this.path = settings.get("synonyms_path");
        if (rules == null && path == null) {
            throw new IllegalArgumentException("synonym filter [" + name + "] needs `synonyms` or `synonyms_path`");
        }
        String format = settings.get("format", "solr");
        if (!format.equals("solr")) {
            throw new IllegalArgumentException(
                "synonym filter [" + name + "]: format [" + format + "] is not provided by the trialscout test plugin (solr only)");
        }
        this.env = env;
        this.graph = graph;
        this.expand = settings.getAsBoolean("expand", true);
        this.lenient = settings.getAsBoolean("lenient", false);
    }

    @Override
    public TokenStream create(TokenStream tokenStream) {
        throw new IllegalStateException("synonym filter [" + name() + "] is built per analyzer chain, never on its own");
    }

    /** Rules are analyzed by the chain before this filter (tokenizer, char filters, earlier filters), as text is. */
    @Override
    public TokenFilterFactory getChainAwareTokenFilterFactory(
        IndexCreationContext context,
        TokenizerFactory tokenizer,
        List<CharFilterFactory> charFilters,
        List<TokenFilterFactory> previousTokenFilters,
        java.util.function.Function<String, TokenFilterFactory> allFilters
    ) {
        TokenFilterFactory[] before = previousTokenFilters.stream()
            .map(TokenFilterFactory::getSynonymFilter)
            .toArray(TokenFilterFactory[]::new);
        SynonymMap map;
        try (Analyzer analyzer = new CustomAnalyzer(tokenizer, charFilters.toArray(new CharFilterFactory[0]), before)) {
            map = parse(analyzer);
        } catch (IOException e) {
            throw new UncheckedIOException("synonym filter [" + name() + "]: " + e.getMessage(), e);
        }
        boolean asGraph = graph;
        return new AbstractTokenFilterFactory(name()) {
            @Override
            @SuppressWarnings("deprecation") // the non-graph filter is what the `synonym` type means
            public TokenStream create(TokenStream tokenStream) {
                if (map.fst == null) {
                    return tokenStream; // no rules: Lucene's filters refuse an empty map
                }
                return asGraph ? new SynonymGraphFilter(tokenStream, map, false) : new SynonymFilter(tokenStream, map, false);
            }

            @Override
            public TokenFilterFactory getSynonymFilter() {
                return IDENTITY_FILTER; // a later synonym filter's rules are not rewritten by these
            }
        };
    }

    private SynonymMap parse(Analyzer analyzer) throws IOException {
        RuleParser parser = new RuleParser(expand, analyzer, lenient);
        try (Reader whole = path != null ? Analysis.getReaderFromFile(env, path, "synonyms_path") : null) {
            List<String> lines = whole != null ? new java.io.BufferedReader(whole).lines().toList() : rules;
            for (int i = 0; i < lines.size(); i++) {
                try {
                    parser.parse(new StringReader(lines.get(i)));
                } catch (ParseException | IllegalArgumentException e) {
                    if (!lenient) {
                        throw new IllegalArgumentException(
                            "synonym filter [" + name() + "]: rule " + (i + 1) + " [" + lines.get(i) + "]: " + e.getMessage(), e);
                    }
                }
            }
        }
        return parser.build();
    }

    /** Lenient: a term the chain turns into nothing (a stop word, punctuation) drops that term, not the build. */
    private static final class RuleParser extends SolrSynonymParser {
        private final boolean lenient;

        RuleParser(boolean expand, Analyzer analyzer, boolean lenient) {
            super(true, expand, analyzer);
            this.lenient = lenient;
        }

        @Override
        public CharsRef analyze(String text, CharsRefBuilder reuse) throws IOException {
            try {
                return super.analyze(text, reuse);
            } catch (IllegalArgumentException e) {
                if (!lenient) {
                    throw e;
                }
                reuse.clear();
                return reuse.get();
            }
        }

        @Override
        public void add(CharsRef input, CharsRef output, boolean includeOrig) {
            if (lenient && (input.length == 0 || output.length == 0)) {
                return;
            }
            super.add(input, output, includeOrig);
        }
    }
}
