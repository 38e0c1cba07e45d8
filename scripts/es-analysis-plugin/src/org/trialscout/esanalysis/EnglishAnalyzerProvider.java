/* The `english` analyzer: Lucene's EnglishAnalyzer, with optional `stopwords` and `stem_exclusion`. */
package org.trialscout.esanalysis;

import java.util.List;

import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.index.analysis.AbstractIndexAnalyzerProvider;

final class EnglishAnalyzerProvider extends AbstractIndexAnalyzerProvider<EnglishAnalyzer> {
    private final EnglishAnalyzer analyzer;

    EnglishAnalyzerProvider(String name, Settings settings) {
        super(name);
        CharArraySet stopwords = EnglishAnalyzer.getDefaultStopSet();
        List<String> given = settings.getAsList("stopwords", null);
        if (given != null) {
            // "_english_" names the default list; "_none_" none; anything else is the words themselves.
            stopwords = given.equals(List.of("_english_")) ? stopwords
                : given.equals(List.of("_none_")) ? CharArraySet.EMPTY_SET
                : new CharArraySet(given, true);
        }
        CharArraySet exclusions = new CharArraySet(settings.getAsList("stem_exclusion", List.of()), false);
        this.analyzer = new EnglishAnalyzer(stopwords, exclusions);
    }

    @Override
    public EnglishAnalyzer get() {
        return analyzer;
    }
}
