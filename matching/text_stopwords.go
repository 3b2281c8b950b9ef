package matching

import "strings"

// Function words per language. They decide the language of a text and are
// never matched. Words shared by two languages ("on", "en", "de") are
// listed in each and count half for detection.
var functionWordLists = [len(languages)]string{
	// Finnish
	`ja on ei se että joka jotka jonka joita jota joiden mutta kun tai myös sekä ovat olla ole oli olisi
	olisivat ollut olleet voi voivat voidaan voisi kanssa niin tämä tämän tässä tätä tähän nämä näiden näitä
	mukaan mukana jo vain kuin jos sen siitä siinä sitä siihen ne niitä niiden niistä niihin he hän me meidän
	meille meillä meitä te mikä mitä missä miten mihin mistä millä kuten eli vaan olemme olen kaikki kaikkien
	jokainen yksi kaksi hyvin paljon ilman jälkeen aikana kautta avulla lisäksi esimerkiksi eri oma oman omaa
	omia omat joten koska vielä nyt sitten täysin entistä jopa noin yli alle kohti välillä esim mm jne saa saada
	saavat tulee tulevat tarvitse tekee tehdä pitää sekä ettei eikä myöskin sillä jolloin jossa josta johon
	jolla jolle joille joissa joista joilla hänen heidän heille sinä minä me ovatko onko kanssamme meitä
	usein aina heti ennen jälkeen vuonna vuoden vuotta kuitenkin siten näin nopeasti helposti uusi uuden uutta
	uusia yhdessä yhteistyössä kerran koko osana osa ainoa ensimmäinen toinen sekä tällä tälle näille sekä
	aika ajan aikaa aikaan ajaksi ajassa aikana perustuu perustuvat perustuva kautta verkossa muuten tarvittaessa
	joka päivä päivän päivittäin viikon viikoittain kuukauden vuoden prosenttia prosentilla keskimäärin`,
	// English
	`the a an and or but of to in on at by for with from as is are was were be been being it its this that
	these those which who whom whose what when where why how we our ours us you your they their them he she
	his her i me my not no nor so than too very can could will would shall should may might must do does did
	has have had having into onto about over under between through during before after above below up down
	out off again further then once here there all any both each few more most other some such only own same
	also just while because until if per via within without across against among around behind beyond
	upon whether yet one two three new easily already every many much well first second
	people person day days time times week weeks percent average`,
	// Swedish
	`och i att det som en på är av för med till den har de inte om ett men var sig så vi kan man när
	eller från ut också vid efter under eftersom hos mot utan inom genom över mellan sedan alla allt andra
	annat bara blir bli blev där denna detta dessa deras dess din du er era ert han hon hans henne hennes
	honom jag mig min mina mitt oss sin sina sitt vår våra vårt vilka vilken vilket vad hur nu redan än
	även dock både sådan sådana samma ska skall skulle kunde kunna måste får få fått göra gör gjorde varit
	vara ha hade haft här där hit dit ingen inget inga något några någon mycket mer mest många enkelt
	ny nya nytt ett två tre första andra varje vilken per via dem denne
	dag dagen dagar dagens tid tiden tider vecka veckan procent genomsnitt`,
}

// genericWordLists are words every pitch uses whatever its subject
// (solution, service, city, pilot, users). They are dropped before
// matching and before learning, so that an organiser's correction does
// not teach a target the vocabulary of pitching itself. They are stemmed
// at start-up, so one inflected form is enough.
var genericWordLists = [len(languages)]string{
	`ratkaisu ratkaisumme ratkaisun ratkaisua ratkaisut palvelu palvelun palvelua palvelumme palvelut
	sovellus sovelluksen sovellusta sovellukset yritys yrityksemme yrityksen yritykset kaupunki kaupungin
	kaupungille kaupungissa kaupunkien kunta kunnan kunnat pilotti pilotin pilottia pilotoida pilotoinnin
	pilotissa käyttäjä käyttäjät käyttäjien käyttäjille asiakas asiakkaat asiakkaiden tuote tuotteemme
	tuotteen alusta alustan alustamme digitaalinen digitaalisen järjestelmä järjestelmän tampere tampereen
	tampereella suomi suomessa tarjoamme tarjoaa kehittänyt kehitämme kehittää innovatiivinen startup
	tiimi tiimimme tavoite tavoitteena haluamme vuosi vuotta kuukausi kuukauden euroa hinta kustannus
	kustannukset kustannuksia säästää säästöjä ehdotamme ehdotus toteuttaa toteutus kokeilu kokeilun
	kokeiluun kokeilua mahdollistaa mahdollisuus helppo helppokäyttöinen tieto tietoa avulla hyödyntää
	tarve tarpeet tarpeisiin käyttö käytössä toimii toiminta kokemus kokemusta tulokset tulos
	tuki tukea tukee vapaaehtoinen vapaaehtoiset vapaaehtoisia`,
	`solution solutions service services app application platform company startup city cities municipality
	pilot piloting user users customer customers product products offer offers provide provides developed
	develop team goal aim want year years month months euro euros cost costs save savings propose
	proposal implement implementation trial enable enables easy digital system systems tampere finland
	based use using used need needs works experience results innovative help helps make makes way
	support supports volunteer volunteers`,
	`lösning lösningen lösningar tjänst tjänsten tjänster app appen applikation plattform plattformen
	företag företaget bolag stad staden städer kommun kommunen pilot piloten pilotprojekt användare
	användarna kund kunder produkt produkten erbjuder erbjuda utvecklat utvecklar team mål vill år
	månad månader euro kostnad kostnader spara besparingar föreslår förslag genomföra försök möjliggör
	enkel digital digitala system systemet tammerfors finland baserad använder användning behov
	fungerar erfarenhet resultat innovativ hjälper hjälpa gör
	stöd stödja stöder frivillig frivilliga`,
}

// functionWords maps a function word to a bit mask of the languages it
// belongs to (bit i is languages[i]).
var functionWords = func() map[string]uint8 {
	m := make(map[string]uint8)
	for i, list := range functionWordLists {
		for _, w := range strings.Fields(list) {
			m[w] |= 1 << i
		}
	}
	return m
}()

// genericStems holds, per language, the stems of genericWordLists.
var genericStems = func() [len(languages)]map[string]bool {
	var out [len(languages)]map[string]bool
	for i, list := range genericWordLists {
		out[i] = make(map[string]bool)
		for _, w := range strings.Fields(list) {
			out[i][stem(i, w)] = true
		}
	}
	return out
}()

// isStopWord reports whether the lower-cased word w carries no subject in
// the language with index li: a function word of that language, a generic
// pitch word, or a token too short to mean anything.
func isStopWord(li int, w, stemmed string) bool {
	if runeLen(w) < 2 {
		return true
	}
	if functionWords[w]&(1<<li) != 0 {
		return true
	}
	return genericStems[li][stemmed]
}
