"""Is a message written in a language other than English?

The assistant works in English only, so a resident who writes in another language is told
so, and given the postal address as another way to respond. No language model is
downloaded: this is rules over the characters and the most common words.

- Mostly letters outside the Latin alphabet (Arabic, Bengali, Chinese, Cyrillic, Greek,
  Gujarati, Gurmukhi, Hebrew, Devanagari, Tamil...): another language.
- Latin letters: another language when at least two of its words are common words of
  another language (London's most-spoken: Polish, Romanian, Spanish, Portuguese, French,
  Italian, Turkish, Somali, Lithuanian, German...) and they outnumber common English words.
  One foreign word ("merci", a place name, "adios") is not enough.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[^\W\d_]+")

# Common words of other languages that are not English words (and not London place names).
FOREIGN_WORDS = frozenset(
    """
    nie jest się czy mogę chcę dzień dobry polsku angielsku policja powinna być jak
    tak dziękuję proszę rozumiem mówię żeby który także bardzo
    bună ziua vorbesc engleză vreau să răspund limba română mulțumesc poliția este și
    sunt nu pentru această foarte
    hola hablo inglés quiero dar opinión sobre policía barrio gracias tengo porque pero
    muy está también puedo nosotros
    bonjour parle anglais voudrais répondre français plaît merci faut rues suis avec
    pour sont dans très aussi nous
    olá falo inglês quero responder português polícia devia estar mais bairro obrigado
    não muito também
    merhaba ingilizce bilmiyorum türkçe cevap verebilir miyim teşekkürler polis daha
    çok bir değil
    salaan af ingiriisi aqaan hadli kartaa soomaali waxaan mahadsanid
    buongiorno parlo inglese vorrei rispondere italiano grazie polizia sono della
    laba diena nekalbu angliškai ačiū policija
    guten ich spreche kein englisch möchte auf deutsch antworten danke polizei nicht
    und sehr
    xin chào tôi không nói được tiếng
    kamusta hindi ako marunong mag salamat
    habari sizungumzi kiingereza asante
    entiendo nada solo sólo español hablar bien usted estoy hay señor señora
    comprends pas anglais parler je vous c'est oui merci beaucoup
    entendo só você falar português sim
    przepraszam dobrze nic mówię tylko polski
    înțeleg doar vă rog da
    anlamıyorum sadece konuşuyorum lütfen evet hayır
    capisco parlare grazie
    verstehe nur bitte ja
    waan fahmin kaliya
    """.split()
)
# Common English words: a message with more of these than foreign words is English.
ENGLISH_WORDS = frozenset(
    """
    the a an and or but to of in on at for with from by about is are was were be been it
    this that these those i you he she we they my your our their me us them not no yes
    do does did have has had will would should could can more less police crime plan
    what when where why how which who please thanks thank ok okay
    """.split()
)
MIN_FOREIGN_WORDS = 2


def is_other_language(text: str) -> bool:
    """Whether `text` reads as written in a language other than English."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 2:
        return False  # digits, emoji, punctuation: no language to speak of
    non_latin = sum(1 for c in letters if not unicodedata.name(c, "").startswith("LATIN"))
    if non_latin * 2 > len(letters):
        return True
    words = _WORD.findall(text.lower())
    foreign = sum(1 for w in words if w in FOREIGN_WORDS)
    english = sum(1 for w in words if w in ENGLISH_WORDS)
    return foreign >= MIN_FOREIGN_WORDS and foreign > english
