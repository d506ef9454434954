package main

// wikitextSample is English text written for calibkit in the shape of
// wikitext-103's wiki.test.raw: " = Title = " headings, " = = Section = = "
// subheadings, a blank line (" ") between paragraphs, tokens split by spaces
// and numbers joined with @,@ and @.@. Later steps use it to size-match an
// English evaluation set.
const wikitextSample = ` 
 = Lake Biwa = 
 
 Lake Biwa is the largest freshwater lake in Japan , located in Shiga Prefecture to the northeast of Kyoto . It has an area of about 670 square kilometres and holds water for about 14 @,@ 000 @,@ 000 people in the Kansai region . 
 The lake is one of the oldest in the world , with an age of about 4 @.@ 0 million years . More than sixty kinds of fish live in it , and several of them are found nowhere else . 
 
 = = Name = = 
 
 The name comes from the biwa , a Japanese lute , because the outline of the lake was thought to resemble the instrument . Older texts call it the Sea of Omi . 
 
 = = Use = = 
 
 A canal built in the 1890s carries water from the lake to Kyoto . The canal also powered the first public hydroelectric station in Japan , which supplied electricity for the city 's tramway . 
 
 = Mount Fuji = 
 
 Mount Fuji is an active volcano on the island of Honshu and , at 3 @,@ 776 metres , the highest mountain in Japan . Its last eruption began in 1707 and lasted for about two weeks . 
 The mountain has been a place of pilgrimage for centuries , and it appears in many woodblock prints , including the series Thirty @-@ six Views of Mount Fuji by Hokusai . 
 
 = = Climbing = = 
 
 The official climbing season runs from early July to early September . Most climbers start from one of the fifth stations , which can be reached by bus , and walk through the night to see the sunrise from the summit . 
 
 = Shogi = 
 
 Shogi is a two @-@ player strategy board game played on a board of nine by nine squares . Unlike chess , captured pieces may be returned to the board by the player who captured them . 
 Professional players belong to the Japan Shogi Association , which organises the major title matches . Computer programs have played at the level of the strongest professionals since the 2010s . 
 
`
