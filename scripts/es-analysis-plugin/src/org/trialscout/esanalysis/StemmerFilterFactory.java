/* The `stemmer` token filter for the English stemmers: `language` (or `name`) picks the Lucene filter. */
package org.trialscout.esanalysis;

import java.util.Locale;
import java.util.function.UnaryOperator;

import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishMinimalStemFilter;
import org.apache.lucene.analysis.en.EnglishPossessiveFilter;
import org.apache.lucene.analysis.en.KStemFilter;
import org.apache.lucene.analysis.en.PorterStemFilter;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.index.analysis.AbstractTokenFilterFactory;

final class StemmerFilterFactory extends AbstractTokenFilterFactory {
    private final UnaryOperator<TokenStream> stemmer;

    StemmerFilterFactory(String name, Settings settings) {
        super(name);
        String language = settings.get("language", settings.get("name", "porter")).toLowerCase(Locale.ROOT);
        // Elasticsearch documents "english" as the Porter stemmer and "light_english" as KStem.
        this.stemmer = switch (language) {
            case "english", "porter" -> PorterStemFilter::new;
            case "light_english", "kstem" -> KStemFilter::new;
            case "minimal_english" -> EnglishMinimalStemFilter::new;
            case "possessive_english" -> EnglishPossessiveFilter::new;
            default -> throw new IllegalArgumentException(
                "stemmer [" + name + "]: language [" + language + "] is not provided by the trialscout test plugin; "
                    + "it has english, porter, light_english, minimal_english and possessive_english");
        };
    }

    @Override
    public TokenStream create(TokenStream tokenStream) {
        return stemmer.apply(tokenStream);
    }
}
